package matchmaker

import "github.com/tetatet/tetatet/matchmaker/privacy"

// PrivacyTerms are the durations and sizes of this store's configuration
// that the privacy policy quotes. The caller adds what the store does not
// know (the real-time relay's history, ads).
func (s *Store) PrivacyTerms() privacy.Terms {
	return privacy.Terms{RoomTTL: s.cfg.RoomTTL, MaxMessages: s.cfg.MaxMessages, ReportRetention: s.cfg.ReportRetention,
		NoticeRetention: NoticeRetention, EvidenceMessages: evidenceSize,
		AgainTTL: s.cfg.AgainTTL, SpamWindow: max(s.cfg.Spam.SameFirstWindow, s.cfg.Spam.QuickLeavesWindow)}
}

package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tetatet/tetatet/matchmaker"
)

// Operators' commands. Reports show internal ids, and the Telegram ids only
// to operators; the user who is banned hears only that and until when.
const (
	maxMessageLen  = 4096 // Telegram's limit, in UTF-16 code units
	maxEvidenceLen = 1000 // one evidence message, in characters
	banDays        = 7

	actBan7    = "ban7"
	actBan     = "ban"
	actDismiss = "dismiss"
)

// operator lets the ids in BOT_ADMIN_IDS through; anyone else gets exactly
// what an unknown command gets, so the command reveals nothing.
func (b *Bot) operator(h messageHandler) messageHandler {
	return func(ctx context.Context, m *models.Message, t *texts) error {
		if !b.cfg.isAdmin(m.From.ID) {
			return b.onMessage(ctx, m, t)
		}
		return h(ctx, m, t)
	}
}

// onReports shows the oldest open report with its evidence and the three
// decisions.
func (b *Bot) onReports(ctx context.Context, m *models.Message, t *texts) error {
	r, err := b.store.OldestOpenReport(ctx)
	if err != nil {
		return err
	}
	if r == nil {
		return b.send(ctx, m.Chat.ID, t.NoReports, nil)
	}
	missing, err := b.sendReportMedia(ctx, m.Chat.ID, t, r)
	if err != nil {
		return err
	}
	return b.send(ctx, m.Chat.ID, reportText(t, r, missing), keyboard(
		row(btn(t.BtnBan7, cbReport+actBan7+":"+r.StreamID), btn(t.BtnBanForever, cbReport+actBan+":"+r.StreamID)),
		row(btn(t.BtnDismiss, cbReport+actDismiss+":"+r.StreamID)),
	))
}

// maxReportMedia is how many of a report's photos and voice messages the
// bot sends the operator, newest last.
const maxReportMedia = 10

// sendReportMedia sends the operator the report's photos and voice messages
// (kept with the report, for operators only), each captioned with its line
// of the evidence, before the report itself. It returns the media ids that
// were not kept (the room was cleared before the report).
func (b *Bot) sendReportMedia(ctx context.Context, chat int64, t *texts, r *matchmaker.StoredReport) (map[string]bool, error) {
	missing := map[string]bool{}
	var sent int
	for i := len(r.Evidence) - 1; i >= 0 && sent < maxReportMedia; i-- {
		m := r.Evidence[i]
		if m.Media == nil {
			continue
		}
		obj, err := b.store.ReportMedia(ctx, r.StreamID, m.Media.ID)
		if errors.Is(err, matchmaker.ErrNotFound) {
			missing[m.Media.ID] = true // the evidence line says so
			continue
		}
		if err != nil {
			return nil, err
		}
		caption := evidenceLine(t, r, m, nil)
		data, err := io.ReadAll(io.LimitReader(obj.Body, 16<<20))
		obj.Body.Close()
		if err != nil {
			return nil, err
		}
		err = b.call(ctx, "send"+map[string]string{"photo": "Photo", "voice": "Voice"}[m.Media.Kind], func(ctx context.Context) error {
			// A fresh reader for each attempt (a 429 is retried); a
			// *bytes.Reader, as the library checks it for nil by reflection.
			file := &models.InputFileUpload{Filename: m.Media.ID, Data: bytes.NewReader(data)}
			if m.Media.Kind == "voice" {
				_, err := b.tg.SendVoice(ctx, &tgbot.SendVoiceParams{ChatID: chat, Voice: file, Caption: caption})
				return err
			}
			_, err := b.tg.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Photo: file, Caption: caption, HasSpoiler: true})
			return err
		})
		if err != nil {
			return nil, err
		}
		sent++
	}
	return missing, nil
}

// evidenceLine is one message of a report's evidence as operators read it.
func evidenceLine(t *texts, r *matchmaker.StoredReport, m matchmaker.Message, missing map[string]bool) string {
	side := t.Reported
	if m.From == r.ReporterMember {
		side = t.Reporter
	}
	text := clip(m.Text, maxEvidenceLen)
	if m.Media != nil {
		what := t.EvidencePhoto
		if m.Media.Kind == "voice" {
			d := time.Duration(m.Media.DurationMS) * time.Millisecond
			what = fmt.Sprintf(t.EvidenceVoice, fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60))
		}
		if missing[m.Media.ID] {
			what += " " + t.EvidenceMediaGone
		}
		text = strings.TrimSpace(what + " " + text)
	}
	return fmt.Sprintf("[%s] %s: %s", time.UnixMilli(m.TS).UTC().Format("01-02 15:04"), side, text)
}

// onDecide carries out a decision on a report. The tap is checked again
// (the message may have been forwarded, or the operator removed), and the
// report must still be open: another operator may have decided meanwhile.
func (b *Bot) onDecide(ctx context.Context, p tap) (string, error) {
	if !b.cfg.isAdmin(p.user) {
		return p.t.Outdated, nil
	}
	action, streamID, _ := strings.Cut(strings.TrimPrefix(p.data, cbReport), ":")
	if action != actBan7 && action != actBan && action != actDismiss || streamID == "" {
		return p.t.Outdated, nil
	}
	// Reports are decided oldest first, so an open report is the oldest.
	r, err := b.store.OldestOpenReport(ctx)
	if err != nil {
		return "", err
	}
	if r == nil || r.StreamID != streamID {
		return "", b.show(ctx, p.chat, p.msgID, p.t.ReportGone, nil)
	}

	var summary, decision string
	switch action {
	case actBan7:
		until := time.Now().Add(banDays * 24 * time.Hour)
		if err := b.ban(ctx, r.ReportedID, until); err != nil {
			return "", err
		}
		decision = fmt.Sprintf("banned_%dd", banDays)
		summary = fmt.Sprintf(p.t.DecidedBan, r.ID, until.UTC().Format(noticeTimeFmt))
	case actBan:
		if err := b.ban(ctx, r.ReportedID, time.Time{}); err != nil {
			return "", err
		}
		decision = "banned"
		summary = fmt.Sprintf(p.t.DecidedBanForever, r.ID)
	default:
		decision = "dismissed"
		summary = fmt.Sprintf(p.t.DecidedDismiss, r.ID)
	}
	if _, err := b.store.ResolveReport(ctx, streamID, decision); err != nil {
		if action == actDismiss {
			return "", err
		}
		// The ban stands; the report shows up again and can be dismissed.
		b.log.Warn("user banned but the report is still open", "report", r.ID, "err", err)
	}
	b.log.Info("report decided", "report", r.ID, "decision", decision)
	return "", b.show(ctx, p.chat, p.msgID, summary, nil)
}

// ban bans a user (until zero: for good), as an automatic suspension does:
// in one step the store ends their search and room, and through its outbox
// the partner and their Mini App hear of it and the bot tells them.
func (b *Bot) ban(ctx context.Context, userID string, until time.Time) error {
	return b.store.Restrict(ctx, userID, matchmaker.Banned, until)
}

var userIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// onUnban lifts a ban or suspension: /unban <internal user id>.
func (b *Bot) onUnban(ctx context.Context, m *models.Message, t *texts) error {
	args := strings.Fields(m.Text)
	if len(args) != 2 || !userIDPattern.MatchString(args[1]) {
		return b.send(ctx, m.Chat.ID, t.UnbanUsage, nil)
	}
	id := args[1]
	r, err := b.store.Restriction(ctx, id)
	if err != nil {
		return err
	}
	if r == nil {
		return b.send(ctx, m.Chat.ID, fmt.Sprintf(t.NotBanned, id), nil)
	}
	if err := b.store.Unban(ctx, id); err != nil {
		return err
	}
	b.log.Info("user unbanned", "user", id, "was", r.Code)
	return b.send(ctx, m.Chat.ID, fmt.Sprintf(t.Unbanned, id), nil)
}

func (b *Bot) onStats(ctx context.Context, m *models.Message, t *texts) error {
	s, err := b.store.Stats(ctx)
	if err != nil {
		return err
	}
	return b.send(ctx, m.Chat.ID, fmt.Sprintf(t.Stats, s.Users, s.Waiting, s.ActiveRooms, s.MessagesToday, s.OpenReports), nil)
}

// reportText is a report as an operator reads it: who (internal ids, with
// Telegram ids for the operator only), why, when, and the room's last
// messages labelled by side, as many of the newest as fit in one message.
func reportText(t *texts, r *matchmaker.StoredReport, missing map[string]bool) string {
	comment := r.Comment
	if strings.TrimSpace(comment) == "" {
		comment = "—"
	}
	who := func(id string, tg int64) string {
		if tg == 0 {
			return id
		}
		return fmt.Sprintf("%s (Telegram %d)", id, tg)
	}
	head := fmt.Sprintf(t.Report, r.ID, r.Reason, comment, r.Time.UTC().Format(noticeTimeFmt),
		who(r.ReporterID, r.ReporterTG), who(r.ReportedID, r.ReportedTG))
	if !r.Exchanged.IsZero() {
		head += "\n" + fmt.Sprintf(t.ReportExchanged, r.Exchanged.UTC().Format(noticeTimeFmt))
	}
	if len(r.Evidence) == 0 {
		return head + "\n\n" + t.NoEvidence
	}

	// Newest first until the message is full, then back in order.
	const headroom = 100 // the evidence line's numbers
	room := maxMessageLen - utf16Len(head) - utf16Len(t.Evidence) - headroom
	var lines []string
	for i := len(r.Evidence) - 1; i >= 0; i-- {
		line := evidenceLine(t, r, r.Evidence[i], missing)
		if room -= utf16Len(line) + 1; room < 0 {
			break
		}
		lines = append(lines, line)
	}
	slices.Reverse(lines)
	return head + "\n\n" + fmt.Sprintf(t.Evidence, len(lines), len(r.Evidence)) + "\n" + strings.Join(lines, "\n")
}

// utf16Len is a text's length as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// clip shortens a text to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

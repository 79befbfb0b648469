package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/privacy"
)

// Callback data of the bot's buttons (at most 64 bytes each).
const (
	cbOnbMale    = "onb:male"
	cbOnbFemale  = "onb:female"
	cbHome       = "home"
	cbProfile    = "profile"
	cbAbout      = "about"
	cbEditGender = "edit:gender"
	cbEditAge    = "edit:age"
	cbEditNick   = "edit:nick"
	cbEditInts   = "edit:interests"
	cbInterest   = "int:" // + an interest: toggles it
	cbSetMale    = "set:male"
	cbSetFemale  = "set:female"
	cbDeleteYes  = "delete:yes"
	cbDeleteNo   = "delete:no"
	cbReport     = "rep:" // + action + ":" + the report's stream id
)

// routes declares every update the bot handles. Whatever matches none of
// them goes to onOther.
func (b *Bot) routes() {
	on := b.tg.RegisterHandlerMatchFunc
	on(b.isGroupMessage, b.message("group", b.onGroup))
	on(b.isCommand("start"), b.message("start", b.onStart))
	on(b.isCommand("help"), b.message("help", b.onHelp))
	on(b.isCommand("delete"), b.message("delete", b.onDelete))
	on(b.isCommand("privacy"), b.message("privacy", b.onPrivacy))
	on(b.isCommand("reports"), b.message("reports", b.operator(b.onReports)))
	on(b.isCommand("unban"), b.message("unban", b.operator(b.onUnban)))
	on(b.isCommand("stats"), b.message("stats", b.operator(b.onStats)))
	on(isPrivateMessage, b.message("message", b.onMessage))

	buttons := map[string]buttonHandler{
		cbOnbMale:    b.onOnboardingGender(matchmaker.Male),
		cbOnbFemale:  b.onOnboardingGender(matchmaker.Female),
		cbHome:       b.onHome,
		cbProfile:    b.onProfile,
		cbAbout:      b.onAbout,
		cbEditGender: b.onEditGender,
		cbEditAge:    b.onEditStep(matchmaker.StepEditAge),
		cbEditNick:   b.onEditStep(matchmaker.StepEditNickname),
		cbEditInts:   b.onEditInterests,
		cbSetMale:    b.onSetGender(matchmaker.Male),
		cbSetFemale:  b.onSetGender(matchmaker.Female),
		cbDeleteYes:  b.onDeleteYes,
		cbDeleteNo:   b.onDeleteNo,
	}
	for data, h := range buttons {
		b.tg.RegisterHandler(tgbot.HandlerTypeCallbackQueryData, data, tgbot.MatchTypeExact, b.button(data, h))
	}
	b.tg.RegisterHandler(tgbot.HandlerTypeCallbackQueryData, cbReport, tgbot.MatchTypePrefix, b.button("report", b.onDecide))
	b.tg.RegisterHandler(tgbot.HandlerTypeCallbackQueryData, cbInterest, tgbot.MatchTypePrefix, b.button("interest", b.onToggleInterest))
}

// --- matching -------------------------------------------------------------

func isPrivateMessage(u *models.Update) bool {
	m := u.Message
	return m != nil && m.Chat.Type == models.ChatTypePrivate && m.From != nil && !m.From.IsBot
}

func (b *Bot) isGroupMessage(u *models.Update) bool {
	return u.Message != nil && u.Message.Chat.Type != models.ChatTypePrivate
}

func (b *Bot) isCommand(name string) tgbot.MatchFunc {
	return func(u *models.Update) bool {
		return isPrivateMessage(u) && commandOf(u.Message.Text, "") == name
	}
}

// commandOf returns the command a text starts with ("/start@bot x" →
// "start"), or "". When username is set, a command addressed to another bot
// is not ours.
func commandOf(text, username string) string {
	if !strings.HasPrefix(text, "/") {
		return ""
	}
	word, _, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "\n")
	name, to, addressed := strings.Cut(word, "@")
	if addressed && username != "" && !strings.EqualFold(to, username) {
		return ""
	}
	return strings.ToLower(name)
}

// --- adapters -------------------------------------------------------------

type messageHandler func(ctx context.Context, m *models.Message, t *texts) error

// message adapts a handler of private (or group) messages: it picks the
// language and logs a failure once; when the failure is ours rather than
// Telegram's, the user hears "try again later".
func (b *Bot) message(kind string, h messageHandler) tgbot.HandlerFunc {
	return func(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
		m := u.Message
		lang := ""
		if m.From != nil {
			lang = m.From.LanguageCode
			b.log.Debug("update", "kind", kind, "tg_id", m.From.ID, "text", m.Text)
		}
		t := textsFor(lang)
		if err := h(ctx, m, t); err != nil {
			b.logFailure(err, kind)
			var api *apiError
			if !errors.As(err, &api) {
				_ = b.send(ctx, m.Chat.ID, t.TryLater, nil)
			}
		}
	}
}

// tap is a button press in a private chat with the bot.
type tap struct {
	user  int64
	lang  string
	chat  int64
	msgID int // 0 when the message can no longer be edited
	data  string
	t     *texts
}

// buttonHandler handles a tap and returns the toast to show (often "").
type buttonHandler func(ctx context.Context, p tap) (string, error)

// button adapts a buttonHandler: it refuses taps it cannot place (inline
// messages, other chats), and always answers the callback so the client's
// spinner stops.
func (b *Bot) button(kind string, h buttonHandler) tgbot.HandlerFunc {
	return func(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
		cq := u.CallbackQuery
		t := textsFor(cq.From.LanguageCode)
		b.log.Debug("update", "kind", "button", "data", kind, "tg_id", cq.From.ID)
		p, ok := tapOf(cq, t)
		toast := t.Outdated
		if ok {
			var err error
			toast, err = h(ctx, p)
			if err != nil {
				b.logFailure(err, "button "+kind)
				var api *apiError
				if !errors.As(err, &api) {
					toast = t.TryLater
				}
			}
		}
		if err := b.answer(ctx, cq, toast); err != nil {
			b.logFailure(err, "button "+kind)
		}
	}
}

func tapOf(cq *models.CallbackQuery, t *texts) (tap, bool) {
	p := tap{user: cq.From.ID, lang: cq.From.LanguageCode, data: cq.Data, t: t}
	switch m := cq.Message; {
	case m.Message != nil:
		p.chat, p.msgID = m.Message.Chat.ID, m.Message.ID
		if m.Message.Chat.Type != models.ChatTypePrivate {
			return tap{}, false
		}
	case m.InaccessibleMessage != nil:
		p.chat = m.InaccessibleMessage.Chat.ID
		if m.InaccessibleMessage.Chat.Type != "" && m.InaccessibleMessage.Chat.Type != models.ChatTypePrivate {
			return tap{}, false
		}
	default: // a button on an inline message: not one of ours
		return tap{}, false
	}
	return p, p.chat == p.user && p.user != 0
}

// onOther receives every update no route wants: edited messages, channel
// posts, callbacks with unknown data, member updates… A button still gets an
// answer so its spinner stops; the rest is ignored.
func (b *Bot) onOther(ctx context.Context, _ *tgbot.Bot, u *models.Update) {
	if cq := u.CallbackQuery; cq != nil {
		b.log.Debug("update ignored", "kind", "unknown button")
		if err := b.answer(ctx, cq, textsFor(cq.From.LanguageCode).Outdated); err != nil {
			b.logFailure(err, "unknown button")
		}
		return
	}
	b.log.Debug("update ignored", "kind", updateKind(u))
}

func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return "channel_post"
	case u.MyChatMember != nil, u.ChatMember != nil:
		return "chat_member"
	case u.InlineQuery != nil:
		return "inline_query"
	}
	return "other"
}

// --- keyboards ------------------------------------------------------------

func row(buttons ...models.InlineKeyboardButton) []models.InlineKeyboardButton { return buttons }

func btn(text, data string) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: text, CallbackData: data}
}

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// menuKeyboard opens the Mini App at FRONT_URL exactly: Telegram adds the
// signed init data, which is all the Mini App needs to know who is asking.
func (b *Bot) menuKeyboard(t *texts) *models.InlineKeyboardMarkup {
	return keyboard(
		row(b.openButton(t)),
		row(btn(t.BtnProfile, cbProfile), btn(t.BtnAbout, cbAbout)),
	)
}

// openButton opens the Mini App.
func (b *Bot) openButton(t *texts) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: t.BtnOpen, WebApp: &models.WebAppInfo{URL: b.cfg.FrontURL}}
}

func genderKeyboard(t *texts, male, female string, extra ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return keyboard(append([][]models.InlineKeyboardButton{row(btn(t.BtnMale, male), btn(t.BtnFemale, female))}, extra...)...)
}

func profileKeyboard(t *texts) *models.InlineKeyboardMarkup {
	return keyboard(
		row(btn(t.BtnGender, cbEditGender), btn(t.BtnAge, cbEditAge)),
		row(btn(t.BtnNick, cbEditNick), btn(t.BtnInterests, cbEditInts)),
		row(btn(t.BtnBack, cbHome)),
	)
}

// interestsKeyboard lets the user tick up to MaxInterests interests; a
// tick marks the chosen ones.
func interestsKeyboard(t *texts, chosen []string) *models.InlineKeyboardMarkup {
	var rows [][]models.InlineKeyboardButton
	for i := 0; i < len(matchmaker.Interests); i += 2 {
		var r []models.InlineKeyboardButton
		for _, name := range matchmaker.Interests[i:min(i+2, len(matchmaker.Interests))] {
			label := t.Interest[name]
			if slices.Contains(chosen, name) {
				label = "✓ " + label
			}
			r = append(r, btn(label, cbInterest+name))
		}
		rows = append(rows, r)
	}
	return keyboard(append(rows, row(btn(t.BtnDone, cbProfile)))...)
}

func backKeyboard(t *texts) *models.InlineKeyboardMarkup {
	return keyboard(row(btn(t.BtnBack, cbHome)))
}

func genderName(t *texts, g matchmaker.Gender) string {
	if g == matchmaker.Female {
		return t.Female
	}
	return t.Male
}

func profileText(t *texts, u matchmaker.User) string {
	ints := make([]string, len(u.Interests))
	for i, n := range u.Interests {
		ints[i] = t.Interest[n]
	}
	list := strings.Join(ints, ", ")
	if list == "" {
		list = "—"
	}
	return fmt.Sprintf(t.Profile, genderName(t, u.Gender), u.Age, u.Nickname) + "\n" + fmt.Sprintf(t.ProfileInterests, list)
}

// onEditInterests shows the interests to tick.
func (b *Bot) onEditInterests(ctx context.Context, p tap) (string, error) {
	u, err := b.profiles.GetUser(ctx, p.user)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		return p.t.NothingToDel, nil
	}
	if err != nil {
		return "", err
	}
	return "", b.show(ctx, p.chat, p.msgID, fmt.Sprintf(p.t.AskInterests, matchmaker.MaxInterests), interestsKeyboard(p.t, u.Interests))
}

// onToggleInterest ticks or unticks one interest and saves the profile.
func (b *Bot) onToggleInterest(ctx context.Context, p tap) (string, error) {
	name := strings.TrimPrefix(p.data, cbInterest)
	if !slices.Contains(matchmaker.Interests, name) {
		return p.t.Outdated, nil
	}
	u, err := b.profiles.GetUser(ctx, p.user)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		return p.t.NothingToDel, nil
	}
	if err != nil {
		return "", err
	}
	if i := slices.Index(u.Interests, name); i >= 0 {
		u.Interests = slices.Delete(u.Interests, i, i+1)
	} else if len(u.Interests) >= matchmaker.MaxInterests {
		return fmt.Sprintf(p.t.TooManyInterests, matchmaker.MaxInterests), nil
	} else {
		u.Interests = append(u.Interests, name)
	}
	if u, err = b.profiles.PutProfile(ctx, p.user, p.lang, u.Profile); err != nil {
		return "", err
	}
	return "", b.show(ctx, p.chat, p.msgID, fmt.Sprintf(p.t.AskInterests, matchmaker.MaxInterests), interestsKeyboard(p.t, u.Interests))
}

// --- commands and messages ------------------------------------------------

// onStart shows a known user the menu and walks a new one through the
// questions, resuming where a previous conversation stopped.
func (b *Bot) onStart(ctx context.Context, m *models.Message, t *texts) error {
	_, err := b.profiles.GetUser(ctx, m.From.ID)
	switch {
	case err == nil:
		// An unanswered "send your new age" prompt is abandoned.
		if err := b.profiles.ClearOnboarding(ctx, m.From.ID); err != nil {
			return err
		}
		return b.greet(ctx, m.Chat.ID, t, t.Menu)
	case errors.Is(err, matchmaker.ErrNoProfile):
		return b.resume(ctx, m.Chat.ID, m.From.ID, t)
	default:
		return err
	}
}

// greet posts the menu and points the chat's menu button at the Mini App.
func (b *Bot) greet(ctx context.Context, chat int64, t *texts, text string) error {
	if err := b.send(ctx, chat, text, b.menuKeyboard(t)); err != nil {
		return err
	}
	if err := b.setMenuButton(ctx, chat, t); err != nil {
		b.log.Warn("could not set the chat menu button", "err", errKind(err))
		b.log.Debug("could not set the chat menu button", "err", err)
	}
	return nil
}

// resume asks the question of the user's current step, starting the
// questions when there is none.
func (b *Bot) resume(ctx context.Context, chat, user int64, t *texts) error {
	o, err := b.profiles.Onboarding(ctx, user)
	if err != nil {
		return err
	}
	intro := t.WelcomeBack
	if o.Step != matchmaker.StepGender && o.Step != matchmaker.StepAge && o.Step != matchmaker.StepNickname {
		o = matchmaker.Onboarding{Step: matchmaker.StepGender}
		if err := b.profiles.PutOnboarding(ctx, user, o); err != nil {
			return err
		}
		intro = t.Welcome
	}
	return b.ask(ctx, chat, t, o.Step, intro)
}

// ask sends the question of an onboarding step, after an optional intro.
func (b *Bot) ask(ctx context.Context, chat int64, t *texts, step matchmaker.Step, intro string) error {
	var q string
	var kb *models.InlineKeyboardMarkup
	switch step {
	case matchmaker.StepGender:
		q, kb = t.AskGender, genderKeyboard(t, cbOnbMale, cbOnbFemale)
	case matchmaker.StepAge:
		q = t.AskAge
	default:
		q = t.AskNickname
	}
	if intro != "" {
		q = intro + "\n\n" + q
	}
	return b.send(ctx, chat, q, kb)
}

// onMessage takes the answer to whatever the bot is waiting for. Non-text
// messages (stickers, photos) count as an empty answer: the question is
// asked again.
func (b *Bot) onMessage(ctx context.Context, m *models.Message, t *texts) error {
	user, chat := m.From.ID, m.Chat.ID
	o, err := b.profiles.Onboarding(ctx, user)
	if err != nil {
		return err
	}
	switch o.Step {
	case matchmaker.StepGender:
		return b.send(ctx, chat, t.UseButtons, genderKeyboard(t, cbOnbMale, cbOnbFemale))

	case matchmaker.StepAge:
		age, ok := parseAge(m.Text)
		if !ok {
			return b.send(ctx, chat, t.BadAge, nil)
		}
		o.Step, o.Age = matchmaker.StepNickname, age
		if err := b.profiles.PutOnboarding(ctx, user, o); err != nil {
			return err
		}
		return b.ask(ctx, chat, t, matchmaker.StepNickname, "")

	case matchmaker.StepNickname:
		nick, err := matchmaker.NormalizeNickname(m.Text)
		if err != nil {
			return b.send(ctx, chat, t.BadNickname, nil)
		}
		if _, err := b.profiles.PutProfile(ctx, user, m.From.LanguageCode,
			matchmaker.Profile{Nickname: nick, Gender: o.Gender, Age: o.Age}); err != nil {
			return err
		}
		if err := b.profiles.ClearOnboarding(ctx, user); err != nil {
			return err
		}
		b.log.Info("onboarding completed")
		return b.greet(ctx, chat, t, fmt.Sprintf(t.Done, nick))

	case matchmaker.StepEditAge:
		age, ok := parseAge(m.Text)
		if !ok {
			return b.send(ctx, chat, t.BadAge, nil)
		}
		return b.editProfile(ctx, chat, user, m.From.LanguageCode, t, func(p *matchmaker.Profile) { p.Age = age })

	case matchmaker.StepEditNickname:
		nick, err := matchmaker.NormalizeNickname(m.Text)
		if err != nil {
			return b.send(ctx, chat, t.BadNickname, nil)
		}
		return b.editProfile(ctx, chat, user, m.From.LanguageCode, t, func(p *matchmaker.Profile) { p.Nickname = nick })
	}

	// Nothing pending: a known user gets the menu, a stranger the questions.
	_, err = b.profiles.GetUser(ctx, user)
	switch {
	case err == nil:
		return b.send(ctx, chat, t.Unknown, b.menuKeyboard(t))
	case errors.Is(err, matchmaker.ErrNoProfile):
		return b.resume(ctx, chat, user, t)
	default:
		return err
	}
}

// editProfile applies a change typed in answer to an edit prompt, ends the
// prompt and shows the profile as the store now has it.
func (b *Bot) editProfile(ctx context.Context, chat, user int64, lang string, t *texts, change func(*matchmaker.Profile)) error {
	u, err := b.profiles.GetUser(ctx, user)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		// Deleted (say, from another device) while the prompt was open.
		if err := b.profiles.ClearOnboarding(ctx, user); err != nil {
			return err
		}
		return b.resume(ctx, chat, user, t)
	}
	if err != nil {
		return err
	}
	change(&u.Profile)
	if u, err = b.profiles.PutProfile(ctx, user, lang, u.Profile); err != nil {
		return err
	}
	if err := b.profiles.ClearOnboarding(ctx, user); err != nil {
		return err
	}
	return b.send(ctx, chat, t.Saved+"\n\n"+profileText(t, u), profileKeyboard(t))
}

// parseAge accepts a plain number within the product's age limits.
func parseAge(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || matchmaker.ValidateAge(n) != nil {
		return 0, false
	}
	return n, true
}

func (b *Bot) onHelp(ctx context.Context, m *models.Message, t *texts) error {
	return b.send(ctx, m.Chat.ID, t.About, nil)
}

// onPrivacy shows the privacy policy, or points to the operator's own.
func (b *Bot) onPrivacy(ctx context.Context, m *models.Message, t *texts) error {
	if b.cfg.PrivacyPolicyURL != "" {
		return b.send(ctx, m.Chat.ID, fmt.Sprintf(t.PrivacyAt, b.cfg.PrivacyPolicyURL), nil)
	}
	return b.send(ctx, m.Chat.ID, privacy.Policy(m.From.LanguageCode, b.privacyTerms()), nil)
}

// onDelete asks for confirmation; the "yes" button does the deleting.
func (b *Bot) onDelete(ctx context.Context, m *models.Message, t *texts) error {
	_, err := b.profiles.GetUser(ctx, m.From.ID)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		o, oerr := b.profiles.Onboarding(ctx, m.From.ID)
		if oerr != nil {
			return oerr
		}
		if o.Step == "" {
			return b.send(ctx, m.Chat.ID, t.NothingToDel, nil)
		}
	} else if err != nil {
		return err
	}
	return b.send(ctx, m.Chat.ID, t.ConfirmDelete,
		keyboard(row(btn(t.BtnDeleteYes, cbDeleteYes), btn(t.BtnDeleteNo, cbDeleteNo))))
}

// onGroup answers a command meant for the bot in a group, channel or other
// shared chat with a pointer to the private chat, and ignores everything else.
func (b *Bot) onGroup(ctx context.Context, m *models.Message, t *texts) error {
	switch commandOf(m.Text, b.username) {
	case "start", "help", "privacy":
		return b.send(ctx, m.Chat.ID, t.PrivateOnly, nil)
	}
	return nil
}

// --- buttons --------------------------------------------------------------

func (b *Bot) onOnboardingGender(g matchmaker.Gender) buttonHandler {
	return func(ctx context.Context, p tap) (string, error) {
		o, err := b.profiles.Onboarding(ctx, p.user)
		if err != nil {
			return "", err
		}
		if o.Step != matchmaker.StepGender {
			return p.t.Outdated, nil
		}
		o = matchmaker.Onboarding{Step: matchmaker.StepAge, Gender: g}
		if err := b.profiles.PutOnboarding(ctx, p.user, o); err != nil {
			return "", err
		}
		// Keep the answer visible and take the buttons away.
		if err := b.show(ctx, p.chat, p.msgID, p.t.AskGender+" "+genderName(p.t, g), nil); err != nil {
			return "", err
		}
		return "", b.ask(ctx, p.chat, p.t, matchmaker.StepAge, "")
	}
}

func (b *Bot) onHome(ctx context.Context, p tap) (string, error) {
	return "", b.show(ctx, p.chat, p.msgID, p.t.Menu, b.menuKeyboard(p.t))
}

func (b *Bot) onAbout(ctx context.Context, p tap) (string, error) {
	return "", b.show(ctx, p.chat, p.msgID, p.t.About, backKeyboard(p.t))
}

// onProfile shows the profile as the store has it: a change made in the Mini
// App shows up here too.
func (b *Bot) onProfile(ctx context.Context, p tap) (string, error) {
	u, err := b.profiles.GetUser(ctx, p.user)
	if errors.Is(err, matchmaker.ErrNoProfile) {
		return p.t.NothingToDel, nil
	}
	if err != nil {
		return "", err
	}
	return "", b.show(ctx, p.chat, p.msgID, profileText(p.t, u), profileKeyboard(p.t))
}

func (b *Bot) onEditGender(ctx context.Context, p tap) (string, error) {
	if _, err := b.profiles.GetUser(ctx, p.user); err != nil {
		if errors.Is(err, matchmaker.ErrNoProfile) {
			return p.t.NothingToDel, nil
		}
		return "", err
	}
	return "", b.show(ctx, p.chat, p.msgID, p.t.AskNewGender,
		genderKeyboard(p.t, cbSetMale, cbSetFemale, row(btn(p.t.BtnBack, cbProfile))))
}

func (b *Bot) onSetGender(g matchmaker.Gender) buttonHandler {
	return func(ctx context.Context, p tap) (string, error) {
		u, err := b.profiles.GetUser(ctx, p.user)
		if errors.Is(err, matchmaker.ErrNoProfile) {
			return p.t.NothingToDel, nil
		}
		if err != nil {
			return "", err
		}
		u.Gender = g
		if u, err = b.profiles.PutProfile(ctx, p.user, p.lang, u.Profile); err != nil {
			return "", err
		}
		return p.t.Saved, b.show(ctx, p.chat, p.msgID, profileText(p.t, u), profileKeyboard(p.t))
	}
}

// onEditStep remembers that the next text is the new age or nickname, and
// asks for it.
func (b *Bot) onEditStep(step matchmaker.Step) buttonHandler {
	return func(ctx context.Context, p tap) (string, error) {
		if _, err := b.profiles.GetUser(ctx, p.user); err != nil {
			if errors.Is(err, matchmaker.ErrNoProfile) {
				return p.t.NothingToDel, nil
			}
			return "", err
		}
		if err := b.profiles.PutOnboarding(ctx, p.user, matchmaker.Onboarding{Step: step}); err != nil {
			return "", err
		}
		q := p.t.AskNewAge
		if step == matchmaker.StepEditNickname {
			q = p.t.AskNewNick
		}
		return "", b.send(ctx, p.chat, q, nil)
	}
}

// onDeleteYes deletes the profile with its search and room state, forgets
// any conversation in progress, and tells a partner in an open room that the
// room is closed.
func (b *Bot) onDeleteYes(ctx context.Context, p tap) (string, error) {
	d, err := b.profiles.DeleteUser(ctx, p.user)
	existed := err == nil
	if err != nil && !errors.Is(err, matchmaker.ErrNoProfile) {
		return "", err
	}
	o, err := b.profiles.Onboarding(ctx, p.user)
	if err != nil {
		return "", err
	}
	if o.Step != "" {
		existed = true
		if err := b.profiles.ClearOnboarding(ctx, p.user); err != nil {
			return "", err
		}
	}
	if !existed {
		return "", b.show(ctx, p.chat, p.msgID, p.t.NothingToDel, nil)
	}
	b.log.Info("profile deleted", "user", d.UserID)
	return "", b.show(ctx, p.chat, p.msgID, p.t.Deleted, nil)
}

func (b *Bot) onDeleteNo(ctx context.Context, p tap) (string, error) {
	return "", b.show(ctx, p.chat, p.msgID, p.t.DelCancelled, nil)
}

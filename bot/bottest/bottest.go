// Package bottest is a fake Telegram Bot API for tests, in the spirit of
// net/http/httptest: an HTTP server on loopback that answers the methods the
// bot uses, hands updates the test injects to getUpdates with long-poll and
// offset-confirmation semantics, records every other call with its decoded
// parameters, and can be told to fail the next call of a method (a 429 with
// retry_after, a 403). It never talks to Telegram.
package bottest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// Token is the bot token the fake accepts.
const Token = "123456:TEST-fake-token"

// WaitTimeout bounds every wait for the bot.
const WaitTimeout = 5 * time.Second

// BotUser is who getMe says the bot is.
var BotUser = models.User{ID: 123456, IsBot: true, FirstName: "Tet-a-Tet", Username: "tetatet_test_bot"}

// Call is one request the bot made.
type Call struct {
	Method string
	Params map[string]string // form fields as sent; structured ones are JSON
	// Files are the uploaded files of a multipart call (sendPhoto,
	// sendVoice) by field name: their bytes.
	Files  map[string][]byte
	Code   int             // error_code when the fake answered with an error, else 0
	Result json.RawMessage // the result on success
	At     time.Time
}

// ChatID is the chat_id parameter.
func (c Call) ChatID() int64 { n, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64); return n }

// Text is the text parameter.
func (c Call) Text() string { return c.Params["text"] }

// MessageID is the message a sendMessage created or an edit changed.
func (c Call) MessageID() int {
	if id, err := strconv.Atoi(c.Params["message_id"]); err == nil {
		return id
	}
	var m models.Message
	_ = json.Unmarshal(c.Result, &m)
	return m.ID
}

// Decode unmarshals a structured parameter (reply_markup, menu_button…).
func (c Call) Decode(name string, v any) error {
	raw, ok := c.Params[name]
	if !ok {
		return fmt.Errorf("%s has no %s", c.Method, name)
	}
	return json.Unmarshal([]byte(raw), v)
}

// Keyboard is the inline keyboard sent with the call, or nil.
func (c Call) Keyboard() [][]models.InlineKeyboardButton {
	var kb models.InlineKeyboardMarkup
	if c.Decode("reply_markup", &kb) != nil {
		return nil
	}
	return kb.InlineKeyboard
}

// Button finds an inline button by its exact text.
func (c Call) Button(text string) (models.InlineKeyboardButton, bool) {
	for _, row := range c.Keyboard() {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return models.InlineKeyboardButton{}, false
}

// Failure is an error the fake answers instead of the next successful call.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int
}

// TooManyRequests is Telegram's flood-control answer.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// Forbidden is the answer for a user who blocked the bot.
func Forbidden() Failure {
	return Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"}
}

// ServerError is a failure on Telegram's side, worth trying again.
func ServerError() Failure {
	return Failure{Code: 500, Description: "Internal Server Error"}
}

// Dropped is the Code of a call whose connection the fake dropped.
const Dropped = -1

// Server is a running fake Bot API.
type Server struct {
	URL string // base URL: the bot's TELEGRAM_API_URL

	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	updates    []update
	lastUpdate int64
	confirmed  int64
	calls      []Call
	cursor     int
	failures   map[string][]Failure // by method, or method + "/" + chat id
	holds      []*Held
	lastMsg    int
	messages   map[int]string // message id → text+markup, for "message is not modified"
}

type update struct {
	id  int64
	raw json.RawMessage
}

// New starts a fake Bot API and stops it when the test ends.
func New(t testing.TB) *Server {
	s := &Server{t: t, changed: make(chan struct{}), failures: map[string][]Failure{}, messages: map[int]string{}, lastMsg: 1000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Push queues an update for getUpdates, giving it the next update_id.
func (s *Server) Push(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastUpdate++
	u.ID = s.lastUpdate
	raw, err := json.Marshal(&u)
	if err != nil {
		s.t.Errorf("bottest: encode update: %v", err)
	}
	s.updates = append(s.updates, update{id: u.ID, raw: raw})
	s.notifyLocked()
	return u.ID
}

// PushJSON queues an update given as Telegram's JSON (any shape: new update
// types included), giving it the next update_id.
func (s *Server) PushJSON(raw string) int64 {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		s.t.Fatalf("bottest: update JSON: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastUpdate++
	m["update_id"] = json.RawMessage(strconv.FormatInt(s.lastUpdate, 10))
	b, _ := json.Marshal(m)
	s.updates = append(s.updates, update{id: s.lastUpdate, raw: b})
	s.notifyLocked()
	return s.lastUpdate
}

// Mark is the number of calls so far, for CallsSince.
func (s *Server) Mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// WaitCalls waits until n calls made after mark satisfy match, and returns
// them in order.
func (s *Server) WaitCalls(t testing.TB, what string, mark, n int, match func(Call) bool) []Call {
	t.Helper()
	var out []Call
	s.waitFor(t, fmt.Sprintf("%d × %s", n, what), func() bool {
		out = out[:0]
		for _, c := range s.calls[mark:] {
			if match(c) {
				out = append(out, c)
			}
		}
		return len(out) >= n
	})
	return out[:n]
}

// NewMessageID returns a fresh message id (for updates the test builds).
func (s *Server) NewMessageID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastMsg++
	return s.lastMsg
}

// FailNext makes the next call of method fail with f (once per FailNext).
func (s *Server) FailNext(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], f)
}

// FailNextFor makes the next call of method to one chat fail with f (once
// per FailNextFor). Other chats are not affected.
func (s *Server) FailNextFor(method string, chat int64, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := chatKey(method, strconv.FormatInt(chat, 10))
	s.failures[key] = append(s.failures[key], f)
}

func chatKey(method, chat string) string { return method + "/" + chat }

// Held is a call the fake keeps waiting.
type Held struct {
	method  string
	chat    string
	arrived chan struct{}
	done    chan struct{}
	drop    bool
	once    sync.Once
}

// HoldNext makes the next call of method to chat wait, unanswered, until
// Release or Drop (or the caller gives up).
func (s *Server) HoldNext(method string, chat int64) *Held {
	h := &Held{method: method, chat: strconv.FormatInt(chat, 10), arrived: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	s.t.Cleanup(h.Release) // before the server closes: Close waits for handlers
	return h
}

// Wait waits until the held call has arrived.
func (h *Held) Wait(t testing.TB) {
	t.Helper()
	select {
	case <-h.arrived:
	case <-time.After(WaitTimeout):
		t.Fatalf("bottest: no %s to chat %s within %v", h.method, h.chat, WaitTimeout)
	}
}

// Release lets the held call be answered as usual.
func (h *Held) Release() { h.once.Do(func() { close(h.done) }) }

// Drop closes the held call's connection without an answer, as when the
// process at the other end dies mid-call. It is recorded with Code Dropped.
func (h *Held) Drop() {
	h.once.Do(func() {
		h.drop = true
		close(h.done)
	})
}

// takeHold returns the hold for a call, if one waits for it.
func (s *Server) takeHold(method string, p map[string]string) *Held {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, h := range s.holds {
		if h.method == method && h.chat == p["chat_id"] {
			s.holds = append(s.holds[:i], s.holds[i+1:]...)
			return h
		}
	}
	return nil
}

// Calls returns every call so far, except successful getUpdates.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Next waits for the first call after the previous Next's match that
// satisfies match, and moves past it.
func (s *Server) Next(t testing.TB, what string, match func(Call) bool) Call {
	t.Helper()
	var c Call
	s.waitFor(t, what, func() bool {
		for i := s.cursor; i < len(s.calls); i++ {
			if match(s.calls[i]) {
				c, s.cursor = s.calls[i], i+1
				return true
			}
		}
		return false
	})
	return c
}

// Find waits for any call, old or new, that satisfies match.
func (s *Server) Find(t testing.TB, what string, match func(Call) bool) Call {
	t.Helper()
	var c Call
	s.waitFor(t, what, func() bool {
		for _, x := range s.calls {
			if match(x) {
				c = x
				return true
			}
		}
		return false
	})
	return c
}

// WaitConfirmed waits until the bot's getUpdates has confirmed the update id,
// i.e. asked for updates after it. Telegram then never sends it again.
func (s *Server) WaitConfirmed(t testing.TB, id int64) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("confirmation of update %d", id), func() bool { return s.confirmed >= id })
}

// Quiet waits d and reports the calls made meanwhile that satisfy match.
func (s *Server) Quiet(d time.Duration, match func(Call) bool) []Call {
	s.mu.Lock()
	from := len(s.calls)
	s.mu.Unlock()
	time.Sleep(d)
	var out []Call
	for _, c := range s.Calls()[from:] {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// Method matches calls of one method.
func Method(name string) func(Call) bool { return func(c Call) bool { return c.Method == name } }

func (s *Server) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("bottest: no %s within %v; calls: %s", what, WaitTimeout, s.describe())
		}
	}
}

func (s *Server) describe() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		fmt.Fprintf(&b, "\n  %s code=%d chat=%s text=%q", c.Method, c.Code, c.Params["chat_id"], c.Params["text"])
	}
	return b.String()
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// --- the HTTP side ----------------------------------------------------------

type reply struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *map[string]int `json:"parameters,omitempty"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot"+Token+"/")
	if !ok || r.Method != http.MethodPost {
		writeReply(w, reply{ErrorCode: 401, Description: "Unauthorized"})
		return
	}
	method := rest
	params, files, err := formParams(r)
	if err != nil {
		writeReply(w, reply{ErrorCode: 400, Description: "Bad Request: " + err.Error()})
		return
	}
	if method == "getUpdates" {
		s.mu.Lock()
		if q := s.failures[method]; len(q) > 0 {
			// Recorded, unlike successful polls, so a test sees when it was.
			rep := s.answerLocked(method, params)
			s.calls = append(s.calls, Call{Method: method, Params: params, Code: rep.ErrorCode, At: time.Now()})
			s.notifyLocked()
			s.mu.Unlock()
			writeReply(w, rep)
			return
		}
		s.mu.Unlock()
		s.getUpdates(w, r, params)
		return
	}

	if h := s.takeHold(method, params); h != nil {
		close(h.arrived)
		select {
		case <-h.done:
		case <-r.Context().Done():
		}
		if h.drop {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Method: method, Params: params, Code: Dropped, At: time.Now()})
			s.notifyLocked()
			s.mu.Unlock()
			panic(http.ErrAbortHandler) // the connection closes without a response
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	call := Call{Method: method, Params: params, Files: files, At: time.Now()}
	rep := s.answerLocked(method, params)
	if rep.OK {
		call.Result, _ = json.Marshal(rep.Result)
	} else {
		call.Code = rep.ErrorCode
	}
	s.calls = append(s.calls, call)
	s.notifyLocked()
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep reply) {
	w.Header().Set("Content-Type", "application/json")
	if !rep.OK {
		w.WriteHeader(rep.ErrorCode)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

func fail(code int, format string, args ...any) reply {
	return reply{ErrorCode: code, Description: fmt.Sprintf(format, args...)}
}

func ok(result any) reply { return reply{OK: true, Result: result} }

func (s *Server) answerLocked(method string, p map[string]string) reply {
	key := method
	if q := s.failures[chatKey(method, p["chat_id"])]; len(q) > 0 {
		key = chatKey(method, p["chat_id"])
	}
	if q := s.failures[key]; len(q) > 0 {
		f := q[0]
		s.failures[key] = q[1:]
		rep := fail(f.Code, "%s", f.Description)
		if f.RetryAfter > 0 {
			rep.Parameters = &map[string]int{"retry_after": f.RetryAfter}
		}
		return rep
	}
	switch method {
	case "getMe":
		return ok(BotUser)
	case "setMyCommands":
		var cmds []models.BotCommand
		if json.Unmarshal([]byte(p["commands"]), &cmds) != nil || len(cmds) == 0 {
			return fail(400, "Bad Request: commands must be a non-empty array")
		}
		return ok(true)
	case "deleteWebhook":
		return ok(true)
	case "setWebhook":
		if p["url"] == "" {
			return fail(400, "Bad Request: url is required")
		}
		return ok(true)
	case "setChatMenuButton":
		var mb struct {
			Type   string `json:"type"`
			Text   string `json:"text"`
			WebApp struct {
				URL string `json:"url"`
			} `json:"web_app"`
		}
		if err := json.Unmarshal([]byte(p["menu_button"]), &mb); err != nil || mb.Type == "" {
			return fail(400, "Bad Request: menu_button is invalid")
		}
		if mb.Type == "web_app" && (mb.Text == "" || !strings.HasPrefix(mb.WebApp.URL, "http")) {
			return fail(400, "Bad Request: web_app menu button needs text and url")
		}
		return ok(true)
	case "answerCallbackQuery":
		if p["callback_query_id"] == "" {
			return fail(400, "Bad Request: callback_query_id is required")
		}
		return ok(true)
	case "sendMessage":
		chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
		if err != nil || chat == 0 {
			return fail(400, "Bad Request: chat not found")
		}
		if rep, bad := checkMessage(p); bad {
			return rep
		}
		s.lastMsg++
		s.messages[s.lastMsg] = p["text"] + "\x00" + p["reply_markup"]
		return ok(s.messageLocked(s.lastMsg, chat, p["text"]))
	case "sendPhoto", "sendVoice":
		chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
		if err != nil || chat == 0 {
			return fail(400, "Bad Request: chat not found")
		}
		s.lastMsg++
		return ok(s.messageLocked(s.lastMsg, chat, p["caption"]))
	case "editMessageText":
		chat, err := strconv.ParseInt(p["chat_id"], 10, 64)
		id, _ := strconv.Atoi(p["message_id"])
		if err != nil || chat == 0 {
			return fail(400, "Bad Request: chat not found")
		}
		if rep, bad := checkMessage(p); bad {
			return rep
		}
		prev, known := s.messages[id]
		if !known {
			return fail(400, "Bad Request: message to edit not found")
		}
		now := p["text"] + "\x00" + p["reply_markup"]
		if prev == now {
			return fail(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		s.messages[id] = now
		return ok(s.messageLocked(id, chat, p["text"]))
	}
	return fail(404, "Not Found: method %s is not faked", method)
}

// checkMessage applies Telegram's rules for a text and inline keyboard.
func checkMessage(p map[string]string) (reply, bool) {
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		return fail(400, "Bad Request: message text is empty"), true
	}
	if utf8.RuneCountInString(text) > 4096 {
		return fail(400, "Bad Request: message is too long"), true
	}
	raw, has := p["reply_markup"]
	if !has {
		return reply{}, false
	}
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil || kb.InlineKeyboard == nil {
		return fail(400, "Bad Request: can't parse reply keyboard markup JSON object"), true
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			actions := 0
			if b.CallbackData != "" {
				actions++
				if len(b.CallbackData) > 64 {
					return fail(400, "Bad Request: BUTTON_DATA_INVALID"), true
				}
			}
			if b.WebApp != nil {
				actions++
				if !strings.HasPrefix(b.WebApp.URL, "https://") && !strings.HasPrefix(b.WebApp.URL, "http://") {
					return fail(400, "Bad Request: BUTTON_URL_INVALID"), true
				}
			}
			if b.URL != "" {
				actions++
			}
			if b.Text == "" || actions != 1 {
				return fail(400, "Bad Request: can't parse inline keyboard button"), true
			}
		}
	}
	return reply{}, false
}

func (s *Server) messageLocked(id int, chat int64, text string) models.Message {
	from := BotUser
	return models.Message{
		ID:   id,
		From: &from,
		Date: int(time.Now().Unix()),
		Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate},
		Text: text,
	}
}

// getUpdates confirms every update below offset, then answers with what is
// pending, waiting up to timeout seconds for something to arrive.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()

	s.mu.Lock()
	if offset-1 > s.confirmed {
		s.confirmed = offset - 1
		s.notifyLocked()
	}
	for {
		var out []json.RawMessage
		for _, u := range s.updates {
			if u.id > s.confirmed && len(out) < limit {
				out = append(out, u.raw)
			}
		}
		if len(out) > 0 || timeout <= 0 {
			s.mu.Unlock()
			if out == nil {
				out = []json.RawMessage{}
			}
			writeReply(w, ok(out))
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			writeReply(w, ok([]json.RawMessage{}))
			return
		case <-r.Context().Done():
			return
		}
		s.mu.Lock()
	}
}

// formParams reads a Bot API request's parameters: multipart (what the bot
// library sends, with the files of an upload), urlencoded or JSON.
func formParams(r *http.Request) (map[string]string, map[string][]byte, error) {
	out := map[string]string{}
	var files map[string][]byte
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		// A method without parameters comes as an empty body: no parts.
		if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		if r.MultipartForm == nil {
			return out, nil, nil
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
		for k, fh := range r.MultipartForm.File {
			f, err := fh[0].Open()
			if err != nil {
				return nil, nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			if files == nil {
				files = map[string][]byte{}
			}
			files[k] = b
		}
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, nil, err
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				out[k] = str
			} else {
				out[k] = string(v)
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, files, nil
}

// --- users ------------------------------------------------------------------

// User is a Telegram user talking to the bot in a private chat.
type User struct {
	ID   int64
	Lang string // language_code

	s      *Server
	cursor int
}

// NewUser returns a user of the fake.
func (s *Server) NewUser(id int64, lang string) *User { return &User{ID: id, Lang: lang, s: s} }

func (u *User) tg() models.User {
	return models.User{ID: u.ID, FirstName: "Test", Username: fmt.Sprintf("user%d", u.ID), LanguageCode: u.Lang}
}

// Message builds a private text message from the user; a leading command
// gets its bot_command entity, as Telegram sends it.
func (u *User) Message(text string) *models.Message {
	from := u.tg()
	m := &models.Message{
		ID:   u.s.NewMessageID(),
		From: &from,
		Date: int(time.Now().Unix()),
		Chat: models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: from.FirstName},
		Text: text,
	}
	if strings.HasPrefix(text, "/") {
		word, _, _ := strings.Cut(text, " ")
		m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf8.RuneCountInString(word)}}
	}
	return m
}

// Say sends a text message to the bot and returns its update id.
func (u *User) Say(text string) int64 { return u.s.Push(models.Update{Message: u.Message(text)}) }

// Callback builds a tap on data of the bot's message msgID.
func (u *User) Callback(msgID int, data string) *models.CallbackQuery {
	return &models.CallbackQuery{
		ID:   fmt.Sprintf("cb-%d-%d", u.ID, u.s.NewMessageID()),
		From: u.tg(),
		Message: models.MaybeInaccessibleMessage{
			Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{
				ID: msgID, Date: int(time.Now().Unix()),
				Chat: models.Chat{ID: u.ID, Type: models.ChatTypePrivate},
			},
		},
		ChatInstance: "ci",
		Data:         data,
	}
}

// Tap presses the button labelled text on a message the bot sent or edited,
// failing the test when there is no such button.
func (u *User) Tap(t testing.TB, on Call, text string) int64 {
	t.Helper()
	b, ok := on.Button(text)
	if !ok || b.CallbackData == "" {
		t.Fatalf("bottest: no button %q on %q; keyboard: %+v", text, on.Text(), on.Keyboard())
	}
	return u.s.Push(models.Update{CallbackQuery: u.Callback(on.MessageID(), b.CallbackData)})
}

// Expect waits for the bot's next new or edited message in the user's chat.
func (u *User) Expect(t testing.TB) Call {
	t.Helper()
	var c Call
	u.s.waitFor(t, fmt.Sprintf("message to user %d", u.ID), func() bool {
		for i := u.cursor; i < len(u.s.calls); i++ {
			x := u.s.calls[i]
			if (x.Method == "sendMessage" || x.Method == "editMessageText") && x.Code == 0 && x.ChatID() == u.ID {
				c, u.cursor = x, i+1
				return true
			}
		}
		return false
	})
	return c
}

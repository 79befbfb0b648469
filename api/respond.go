package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tetatet/tetatet/api/media"
	"github.com/tetatet/tetatet/matchmaker"
)

// maxBody is the largest request body the API reads.
const maxBody = 16 << 10

// apiError is an error with its HTTP status and stable code.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
	Until   int64 // Unix ms, for suspended/banned
	// Remaining, for link_not_allowed_yet: messages each side still has to send.
	Remaining *remaining
	// Rule, for minors_not_allowed: which rule of minors mode refused
	// ("links", "media", "reveal", "again"), so the app can say it.
	Rule   string
	Header http.Header
}

type remaining struct {
	Me      int `json:"me"`
	Partner int `json:"partner"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = errorf(http.StatusUnauthorized, "unauthorized", "valid Telegram init data is required (Authorization: tma <initData>)")
	errNotFound     = errorf(http.StatusNotFound, "not_found", "not found")
	errForbidden    = errorf(http.StatusForbidden, "forbidden", "not allowed")
)

// decode reads one JSON object of at most maxBody bytes into v, refusing
// unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, v any) error { return decodeBody(w, r, v, false) }

// decodeOptional is decode for a body that may be left out entirely.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, true)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if optional && errors.Is(err, io.EOF) {
			return nil
		}
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return err
		case errors.As(err, &tooBig):
			return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes", maxBody)
		case errors.As(err, &typeErr):
			return &apiError{Status: http.StatusBadRequest, Code: "invalid_json", Field: typeErr.Field,
				Message: fmt.Sprintf("%s must be a %s", typeErr.Field, typeErr.Type)}
		case errors.Is(err, io.EOF):
			return errorf(http.StatusBadRequest, "invalid_json", "request body must be a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errorf(http.StatusBadRequest, "invalid_json", "%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return errorf(http.StatusBadRequest, "invalid_json", "malformed JSON")
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "invalid_json", "request body must hold a single JSON object")
	}
	return nil
}

// drain discards a body the endpoint does not read, within the size limit.
func drain(w http.ResponseWriter, r *http.Request) error {
	_, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes", maxBody)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string     `json:"code"`
	Message   string     `json:"message"`
	Field     string     `json:"field,omitempty"`
	Until     int64      `json:"until,omitempty"`
	Remaining *remaining `json:"remaining,omitempty"`
	Rule      string     `json:"rule,omitempty"`
}

// fail is the one place where errors become HTTP responses. Domain errors
// get their status; anything else is an outage of Redis or Centrifugo and
// becomes 503, logged once here.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := s.classify(err)
	if e.Status >= 500 {
		s.log.Error("request failed", "route", routeOf(r), "err", err)
	}
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	if (e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	s.metrics.errors.WithLabelValues(e.Code).Inc()
	writeJSON(w, e.Status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Until: e.Until,
		Remaining: e.Remaining, Rule: e.Rule}})
}

// retryAfter is a wait as the Retry-After header says it: whole seconds, at least 1.
func retryAfter(d time.Duration) int { return max(int(d.Seconds()+0.999), 1) }

func (s *Server) classify(err error) *apiError {
	var ae *apiError
	var fe *matchmaker.FieldError
	var re *matchmaker.RestrictedError
	var le *matchmaker.LinkError
	var me *matchmaker.MediaError
	var mn *matchmaker.MinorsError
	var mde *media.Error
	var rl *matchmaker.RateLimitedError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errorf(http.StatusRequestTimeout, "body_timeout", "the request body did not arrive in time")
	case errors.Is(err, io.ErrUnexpectedEOF):
		// The client went away mid-body (a cancelled upload): its request,
		// not an outage.
		return errorf(http.StatusBadRequest, "body_incomplete", "the request body ended early")
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &re):
		e := errorf(http.StatusForbidden, re.Code, "your account is banned")
		if re.Code == matchmaker.Suspended {
			e.Message = "you are suspended from search for a while"
		}
		if !re.Until.IsZero() {
			e.Until = re.Until.UnixMilli()
		}
		return e
	case errors.As(err, &le):
		e := errorf(http.StatusUnprocessableEntity, "link_not_allowed_yet",
			"links and @usernames are allowed once you have both written a few messages")
		e.Remaining = &remaining{Me: le.RemainingMe, Partner: le.RemainingPartner}
		return e
	case errors.As(err, &me):
		e := errorf(http.StatusUnprocessableEntity, "media_not_allowed_yet",
			"photos and voice messages are allowed once you have both written a few messages")
		e.Remaining = &remaining{Me: me.RemainingMe, Partner: me.RemainingPartner}
		return e
	case errors.As(err, &mn):
		what := map[string]string{"links": "links", "media": "photos and voice messages", "reveal": "exchanging contacts",
			"again": "meeting a partner again"}[mn.Rule]
		if what == "" {
			what = "this"
		}
		e := errorf(http.StatusForbidden, "minors_not_allowed", "%s: not available to users under 18", what)
		e.Rule = mn.Rule
		return e
	case errors.As(err, &mde):
		switch {
		case errors.Is(err, media.ErrUnsupported):
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media", "%s", mde.Reason)
		case errors.Is(err, media.ErrTooLarge):
			return errorf(http.StatusRequestEntityTooLarge, "body_too_large", "%s", mde.Reason)
		}
		return errorf(http.StatusUnprocessableEntity, "invalid_media", "%s", mde.Reason)
	case errors.As(err, &rl):
		secs := retryAfter(rl.RetryAfter)
		e := errorf(http.StatusTooManyRequests, "rate_limited", "too many requests; retry in %d s", secs)
		e.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
		return e
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, matchmaker.ErrNoProfile):
		return errorf(http.StatusConflict, "no_profile", "create your profile first")
	case errors.Is(err, matchmaker.ErrNotFound):
		return errorf(http.StatusNotFound, "not_found", "room not found")
	case errors.Is(err, matchmaker.ErrNotMember):
		return errorf(http.StatusForbidden, "forbidden", "you are not a member of this room")
	case errors.Is(err, matchmaker.ErrRoomClosed):
		return errorf(http.StatusConflict, "room_closed", "the room is closed")
	case errors.Is(err, matchmaker.ErrAlreadyMatched):
		return errorf(http.StatusConflict, "already_matched", "you have already been matched; see GET /api/search")
	case errors.Is(err, matchmaker.ErrUsernameRequired):
		return errorf(http.StatusConflict, "username_required",
			"set a username in Telegram (Settings → Edit profile → Username) to exchange contacts; your partner gets it only if they agree too")
	case errors.Is(err, matchmaker.ErrNotAllowed):
		return errorf(http.StatusConflict, "not_allowed", "contacts cannot be exchanged in this chat")
	case errors.Is(err, matchmaker.ErrAlreadyRevealed):
		return errorf(http.StatusConflict, "already_revealed", "contacts were exchanged already; the bot has sent them")
	case errors.Is(err, matchmaker.ErrRoomActive):
		return errorf(http.StatusConflict, "room_active", "the chat is still going")
	}
	return errorf(http.StatusServiceUnavailable, "unavailable", "a backend service did not answer; try again")
}

package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/api/apitest"
)

func tamper(raw string) string {
	v, _ := url.ParseQuery(raw)
	v.Set("user", strings.Replace(v.Get("user"), "2001", "2002", 1))
	return v.Encode()
}

// TestBadInputIsA4xxWithErrorBody: no input produces a 500 or a body
// without the error shape.
func TestBadInputIsA4xxWithErrorBody(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	good := st.User(t, 2001, "Good")
	good.Onboard("Good", "male", 30)
	var s apitest.SearchState
	partner := st.User(t, 2003, "Partner")
	partner.Onboard("Partner", "female", 30)
	partner.MustDo("POST", "/api/search", adultsAny(), 200, nil)
	good.MustDo("POST", "/api/search", adultsAny(), 200, &s)
	if s.Room == nil {
		t.Fatal("no room")
	}
	room := "/api/rooms/" + s.Room.ID
	noProfile := st.User(t, 2002, "New")

	valid := good.InitData
	cases := []struct {
		name     string
		initData string
		user     *apitest.User
		method   string
		path     string
		body     any
		status   int
		code     string
	}{
		{"missing init data", "-", nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"forged init data", api.SignInitData("999:other-bot-token", 2001, "Good", "en", time.Now()), nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"tampered init data", tamper(valid), nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"expired init data", api.SignInitData(apitest.BotToken, 2001, "Good", "en", time.Now().Add(-25*time.Hour)), nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"future init data", api.SignInitData(apitest.BotToken, 2001, "Good", "en", time.Now().Add(time.Hour)), nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"garbage init data", "%%%%", nil, "GET", "/api/search", nil, 401, "unauthorized"},
		{"repeated key", valid + "&user=%7B%22id%22%3A1%7D", nil, "GET", "/api/me", nil, 401, "unauthorized"},
		{"malformed JSON", "", good, "PUT", "/api/me", `{"nickname":`, 400, "invalid_json"},
		{"JSON array", "", good, "POST", "/api/search", `[]`, 400, "invalid_json"},
		{"empty body", "", good, "POST", "/api/search", ``, 400, "invalid_json"},
		{"two objects", "", good, "PUT", "/api/me", `{"nickname":"Abc","gender":"male","age":20}{}`, 400, "invalid_json"},
		{"unknown field", "", good, "PUT", "/api/me", `{"nickname":"Abc","gender":"male","age":20,"user_id":1}`, 400, "invalid_json"},
		{"wrong type", "", good, "POST", "/api/search", `{"gender":"any","age_from":"18","age_to":99}`, 400, "invalid_json"},
		{"fractional age", "", good, "PUT", "/api/me", `{"nickname":"Abc","gender":"male","age":20.5}`, 400, "invalid_json"},
		{"oversized body", "", good, "PUT", "/api/me", `{"nickname":"` + strings.Repeat("a", 20000) + `"}`, 413, "body_too_large"},
		{"age too low", "", good, "PUT", "/api/me", map[string]any{"nickname": "Abc", "gender": "male", "age": 15}, 422, "invalid_field"},
		{"age too high", "", good, "PUT", "/api/me", map[string]any{"nickname": "Abc", "gender": "male", "age": 100}, 422, "invalid_field"},
		{"nickname too short", "", good, "PUT", "/api/me", map[string]any{"nickname": " a ", "gender": "male", "age": 20}, 422, "invalid_field"},
		{"unknown gender", "", good, "PUT", "/api/me", map[string]any{"nickname": "Abc", "gender": "x", "age": 20}, 422, "invalid_field"},
		{"filter age out of range", "", good, "POST", "/api/search", map[string]any{"gender": "any", "age_from": 10, "age_to": 99}, 422, "invalid_field"},
		{"filter reversed", "", noProfile, "POST", "/api/search", map[string]any{"gender": "any", "age_from": 40, "age_to": 20}, 422, "invalid_field"},
		{"search without profile", "", noProfile, "POST", "/api/search", adultsAny(), 409, "no_profile"},
		{"token without profile", "", noProfile, "POST", "/api/centrifugo/connection-token", nil, 409, "no_profile"},
		{"empty text", "", good, "POST", room + "/messages", map[string]string{"text": "  \n ", "client_msg_id": "x"}, 422, "invalid_field"},
		{"oversized text", "", good, "POST", room + "/messages", map[string]string{"text": strings.Repeat("я", 4097), "client_msg_id": "x"}, 422, "invalid_field"},
		{"long client id", "", good, "POST", room + "/messages", map[string]string{"text": "hi", "client_msg_id": strings.Repeat("x", 65)}, 422, "invalid_field"},
		{"text wrong type", "", good, "POST", room + "/messages", `{"text":5}`, 400, "invalid_json"},
		{"unknown room", "", good, "POST", "/api/rooms/" + strings.Repeat("b", 26) + "/typing", nil, 404, "not_found"},
		{"malformed room id", "", good, "POST", "/api/rooms/../../etc/leave", nil, 404, "not_found"},
		{"channel not a room", "", good, "POST", "/api/centrifugo/subscription-token", map[string]string{"channel": "room:"}, 403, "forbidden"},
		{"wrong method", "", good, "PATCH", "/api/me", nil, 405, "method_not_allowed"},
		{"unknown api route", "", good, "GET", "/api/nope", nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.user
			if u == nil {
				u = st.User(t, 0, "")
				u.InitData = strings.TrimPrefix(tc.initData, "-")
			}
			status, raw := u.Do(tc.method, tc.path, tc.body, nil)
			if status != tc.status {
				t.Fatalf("status %d %s; want %d", status, raw, tc.status)
			}
			var e struct {
				Error struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("body %s; want error code %q with a message", raw, tc.code)
			}
		})
	}
	// The bad requests changed nothing: the good user's profile is intact.
	var me struct {
		Nickname string
		Age      int
	}
	good.MustDo("GET", "/api/me", nil, 200, &me)
	if me.Nickname != "Good" || me.Age != 30 {
		t.Fatalf("profile changed by bad input: %+v", me)
	}
}

func TestConfigHealthAndMetrics(t *testing.T) {
	st := apitest.Start(t, apitest.Options{})
	anon := st.User(t, 0, "")
	anon.InitData = ""
	var cfg map[string]any
	anon.MustDo("GET", "/api/config", nil, 200, &cfg)
	if cfg["centrifugo_ws_url"] != st.Centrifugo.WSURL {
		t.Fatalf("config = %v", cfg)
	}
	anon.MustDo("GET", "/healthz", nil, 200, nil)
	anon.MustDo("GET", "/api/me", nil, 401, nil)
	anon.MustDo("GET", "/readyz", nil, 200, nil)
	raw := anon.MustDo("GET", "/metrics", nil, 200, nil)
	for _, m := range []string{"tetatet_http_requests_total", "tetatet_matches_total", "tetatet_messages_total", "tetatet_http_errors_total"} {
		if !strings.Contains(string(raw), m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	st.Centrifugo.Stop()
	var checks map[string]string
	raw = anon.MustDo("GET", "/readyz", nil, 503, &checks)
	if checks["redis"] != "ok" || checks["centrifugo"] != "unavailable" {
		t.Fatalf("readyz with Centrifugo down = %v", checks)
	}
	// Terse: whoever asks learns nothing of the inside (addresses, errors).
	for _, leak := range []string{"127.0.0.1", "dial", "tcp", "refused", "http://", "localhost"} {
		if strings.Contains(strings.ToLower(string(raw)), leak) {
			t.Fatalf("readyz tells outsiders %q: %s", leak, raw)
		}
	}
}

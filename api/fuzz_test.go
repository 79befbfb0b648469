package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tetatet/tetatet/matchmaker"
)

const fuzzToken = "42:fuzz-token"

// FuzzParseInitData: any input either fails with errUnauthorized or is
// exactly what we signed; nothing panics.
func FuzzParseInitData(f *testing.F) {
	now := time.Now()
	f.Add(SignInitData(fuzzToken, 7, "Ann", "ru", now))
	f.Add("user=%7B%22id%22%3A7%7D&auth_date=1&hash=00")
	f.Add("")
	f.Add("hash=&auth_date=&user=")
	f.Add(strings.Repeat("a=b&", 100))
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := ParseInitData(raw, fuzzToken, 24*time.Hour)
		if err != nil {
			if err != errUnauthorized {
				t.Fatalf("error %v is not errUnauthorized", err)
			}
			return
		}
		if id.TelegramID <= 0 {
			t.Fatalf("accepted %q with user %d", raw, id.TelegramID)
		}
	})
}

// FuzzDecodeRequests: decoding plus validation answers every body with a
// 4xx error or a valid value; nothing panics.
func FuzzDecodeRequests(f *testing.F) {
	for _, seed := range []string{
		`{"gender":"any","age_from":18,"age_to":99}`,
		`{"nickname":"Ann","gender":"female","age":20}`,
		`{"text":"hi","client_msg_id":"1"}`,
		`{"channel":"room:abc"}`,
		`{`, `[]`, `null`, `{"age":1e400}`, `{"text":"\ud800"}`,
	} {
		f.Add(seed)
	}
	s := New(Config{}, Deps{})
	f.Fuzz(func(t *testing.T, body string) {
		check := func(err error) {
			if err == nil {
				return
			}
			if e := s.classify(err); e.Status < 400 || e.Status >= 500 {
				t.Fatalf("body %q: status %d", body, e.Status)
			}
		}
		req := func() (*httptest.ResponseRecorder, *http.Request) {
			return httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body))
		}
		var sr searchRequest
		w, r := req()
		if err := decode(w, r, &sr); err != nil {
			check(err)
		} else {
			check(matchmaker.Filter{Gender: matchmaker.Gender(sr.Gender), AgeFrom: sr.AgeFrom, AgeTo: sr.AgeTo}.Validate())
		}
		var pr profileRequest
		w, r = req()
		if err := decode(w, r, &pr); err != nil {
			check(err)
		} else {
			_, err := matchmaker.Profile{Nickname: pr.Nickname, Gender: matchmaker.Gender(pr.Gender), Age: pr.Age}.Normalize()
			check(err)
		}
		var mr messageRequest
		w, r = req()
		if err := decode(w, r, &mr); err != nil {
			check(err)
		} else {
			_, err := matchmaker.NormalizeText(mr.Text)
			check(err)
		}
	})
}

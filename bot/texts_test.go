package bot

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestTextsComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[a-z]`)
	en := reflect.ValueOf(*catalog["en"])
	for lang, tx := range catalog {
		v := reflect.ValueOf(*tx)
		for i := 0; i < v.NumField(); i++ {
			name := v.Type().Field(i).Name
			s := v.Field(i).String()
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s.%s is empty", lang, name)
			}
			if got, want := verbs.FindAllString(s, -1), verbs.FindAllString(en.Field(i).String(), -1); !reflect.DeepEqual(got, want) {
				t.Errorf("%s.%s has verbs %v; en has %v", lang, name, got, want)
			}
		}
		if n := strings.Count(tx.About, "\n") + 1; n < 2 || n > 3 {
			t.Errorf("%s.About has %d lines; the rules fit in two or three", lang, n)
		}
	}
}

func TestLangOf(t *testing.T) {
	cases := map[string]string{"ru": "ru", "RU": "ru", "ru-RU": "ru", "en": "en", "uk": "en", "be": "en", "": "en", "rus": "en"}
	for code, want := range cases {
		if got := langOf(code); got != want {
			t.Errorf("langOf(%q) = %q; want %q", code, got, want)
		}
	}
}

func TestCommandOf(t *testing.T) {
	cases := []struct{ text, username, want string }{
		{"/start", "", "start"},
		{"/start deep-link", "", "start"},
		{"/START", "", "start"},
		{"/start@tetatet_bot", "tetatet_bot", "start"},
		{"/start@TetATet_Bot", "tetatet_bot", "start"},
		{"/start@other_bot", "tetatet_bot", ""},
		{"/help\nmore", "", "help"},
		{"start", "", ""},
		{"", "", ""},
		{"/", "", ""},
	}
	for _, c := range cases {
		if got := commandOf(c.text, c.username); got != c.want {
			t.Errorf("commandOf(%q, %q) = %q; want %q", c.text, c.username, got, c.want)
		}
	}
}

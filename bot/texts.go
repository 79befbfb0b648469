package bot

import "strings"

// texts is every sentence the bot says, in one language. A struct rather
// than string keys, so a missing translation fails to compile (and
// TestTextsComplete catches an empty one).
type texts struct {
	Welcome       string
	WelcomeBack   string
	AskGender     string
	UseButtons    string
	AskAge        string
	BadAge        string
	AskNickname   string
	BadNickname   string
	Done          string // %s: nickname
	Menu          string
	Profile       string // %s gender, %d age, %s nickname
	AskNewGender  string
	AskNewAge     string
	AskNewNick    string
	Saved         string
	About         string
	ConfirmDelete string
	Deleted       string
	NothingToDel  string
	DelCancelled  string
	Outdated      string
	Unknown       string
	PrivateOnly   string
	TryLater      string

	Male, Female string

	BtnMale, BtnFemale   string
	BtnOpen              string
	BtnProfile, BtnAbout string
	BtnBack              string
	BtnGender, BtnAge    string
	BtnNick              string
	BtnInterests         string
	BtnDone              string
	ProfileInterests     string // %s the list
	AskInterests         string // %d at most
	TooManyInterests     string // %d at most
	Interest             map[string]string
	BtnDeleteYes         string
	BtnDeleteNo          string
	MenuButton           string

	CmdStart, CmdHelp, CmdDelete, CmdPrivacy string

	// PrivacyAt points to an operator's own policy (%s: its URL).
	PrivacyAt string

	// Notices, sent when the Mini App is closed. They never quote a
	// message or say anything about the partner or a reporter.
	NoticeWrote, NoticeFound string
	NoticeBanned             string // %s: until, UTC
	NoticeBannedForever      string
	NoticeSuspended          string // %s: until, UTC
	// NoticeContact is the one exception: both agreed to exchange
	// contacts, and it gives the partner's link (%s).
	NoticeContact string
	NoticeAgain   string

	// Operators only.
	CmdReports, CmdStats, CmdUnban string
	NoReports                      string
	Report                         string // %s id, reason, comment, filed, reporter, reported
	Evidence                       string // %d shown, %d in all
	NoEvidence                     string
	EvidencePhoto, EvidenceVoice   string // how a photo / voice message shows in the evidence
	EvidenceMediaGone              string // a reported file not kept (the room was cleared first)
	Reporter, Reported             string
	ReportExchanged                string // %s: when the two exchanged contacts, UTC
	BtnBan7, BtnBanForever         string
	BtnDismiss                     string
	DecidedBan                     string // %s report id, %s until
	DecidedBanForever              string // %s report id
	DecidedDismiss                 string // %s report id
	ReportGone                     string
	UnbanUsage                     string
	Unbanned, NotBanned            string // %s user id
	Stats                          string // %d users, waiting, rooms, messages, reports
}

// catalog holds the two languages the bot speaks.
var catalog = map[string]*texts{
	"en": {
		Welcome:       "Hi! Tet-a-Tet is an anonymous one-to-one chat with strangers. Three quick questions and you're in.",
		WelcomeBack:   "Welcome back! Let's continue where we stopped.",
		AskGender:     "Who are you?",
		UseButtons:    "Please choose with the buttons below.",
		AskAge:        "How old are you? Send a number from 16 to 99.",
		BadAge:        "Hmm, that doesn't look like an age between 16 and 99. Please send just the number, for example 21.",
		AskNickname:   "Pick a nickname your partners will see: 2 to 32 characters. Better not your real name.",
		BadNickname:   "A nickname needs 2 to 32 ordinary characters. Please try another one.",
		Done:          "All set, %s! Tap “Open chat” to find someone to talk to.",
		Menu:          "Tet-a-Tet: anonymous one-to-one chat. What next?",
		Profile:       "Your profile\nGender: %s\nAge: %d\nNickname: %s",
		AskNewGender:  "Choose your gender:",
		AskNewAge:     "Send your new age, a number from 16 to 99.",
		AskNewNick:    "Send your new nickname, 2 to 32 characters.",
		Saved:         "Saved.",
		About:         "Tet-a-Tet is anonymous: a partner sees only your nickname, gender and age, never your Telegram name, username or photo.\nUnder-18s only meet under-18s, adults only adults.\nSomeone behaving badly? Tap “Report” in the chat in the Mini App. /privacy says what we store, /delete removes your profile.",
		ConfirmDelete: "Delete your profile? Any search or chat in progress ends. This cannot be undone.",
		Deleted:       "Your profile is deleted. Send /start whenever you want to come back.",
		NothingToDel:  "You have no profile yet. Send /start to create one.",
		DelCancelled:  "OK, nothing was deleted.",
		Outdated:      "This button is no longer active.",
		Unknown:       "I understand the buttons below and the commands /start, /help, /privacy and /delete.",
		PrivateOnly:   "I only work in a private chat. Open a direct chat with me.",
		TryLater:      "Something went wrong on our side. Please try again in a minute.",

		Male:   "male",
		Female: "female",

		BtnMale:          "👨 Male",
		BtnFemale:        "👩 Female",
		BtnOpen:          "💬 Open chat",
		BtnProfile:       "👤 My profile",
		BtnAbout:         "ℹ️ About",
		BtnBack:          "« Back",
		BtnGender:        "Change gender",
		BtnAge:           "Change age",
		BtnNick:          "Change nickname",
		BtnInterests:     "Interests",
		BtnDone:          "✅ Done",
		ProfileInterests: "Interests: %s",
		AskInterests:     "Pick up to %d interests. A partner who shares one is preferred among those who waited about as long; none is ever required.",
		TooManyInterests: "At most %d interests: untick one first.",
		Interest: map[string]string{"music": "🎵 Music", "films": "🎬 Films", "games": "🎮 Games", "sport": "⚽ Sport",
			"travel": "✈️ Travel", "books": "📚 Books", "tech": "💻 Tech", "art": "🎨 Art", "memes": "😂 Memes", "talk": "💬 Just talk"},
		BtnDeleteYes: "Yes, delete",
		BtnDeleteNo:  "Cancel",
		MenuButton:   "Chat",

		CmdStart:   "Start, or show the menu",
		CmdHelp:    "Rules and help",
		CmdDelete:  "Delete my profile",
		CmdPrivacy: "What we store and for how long",

		PrivacyAt: "Our privacy policy: %s",

		NoticeWrote:         "Your partner wrote to you.",
		NoticeFound:         "Partner found! Open the chat to say hi.",
		NoticeBanned:        "You have been banned from Tet-a-Tet for breaking the rules, until %s. Your chat and search have ended.",
		NoticeBannedForever: "You have been banned from Tet-a-Tet permanently for breaking the rules. Your chat and search have ended.",
		NoticeSuspended:     "Your account is suspended for breaking the rules, until %s. Your chat and search have ended.",
		NoticeContact:       "You both agreed to exchange contacts. Here is your partner from Tet-a-Tet: %s",
		NoticeAgain:         "Your partner from earlier wants to talk again too! Open the chat.",

		CmdReports:        "Oldest open report",
		CmdStats:          "Numbers",
		CmdUnban:          "Lift a ban: /unban <user id>",
		NoReports:         "No open reports.",
		Report:            "Report %s\nReason: %s\nComment: %s\nFiled: %s\nReporter: %s\nReported: %s",
		Evidence:          "Evidence, newest last (%d of %d messages):",
		NoEvidence:        "No messages in the room.",
		EvidencePhoto:     "[photo]",
		EvidenceVoice:     "[voice message %s]",
		EvidenceMediaGone: "[file not kept: the room was cleared before the report]",
		Reporter:          "reporter",
		Reported:          "reported",
		ReportExchanged:   "The two exchanged contacts (both agreed) on %s.",
		BtnBan7:           "Ban 7 days",
		BtnBanForever:     "Ban for good",
		BtnDismiss:        "Dismiss",
		DecidedBan:        "Report %s: the user is banned until %s. /reports shows the next one.",
		DecidedBanForever: "Report %s: the user is banned for good. /reports shows the next one.",
		DecidedDismiss:    "Report %s: dismissed. /reports shows the next one.",
		ReportGone:        "This report was already decided. /reports shows the next one.",
		UnbanUsage:        "Send /unban followed by the internal user id shown in the report.",
		Unbanned:          "User %s is no longer banned or suspended.",
		NotBanned:         "User %s was not banned or suspended.",
		Stats:             "Users: %d\nWaiting: %d\nActive rooms: %d\nMessages today (UTC): %d\nOpen reports: %d",
	},
	"ru": {
		Welcome:       "Привет! Tet-a-Tet — анонимный чат один на один с незнакомцем. Три коротких вопроса, и можно начинать.",
		WelcomeBack:   "С возвращением! Продолжим с того места, где остановились.",
		AskGender:     "Кто вы?",
		UseButtons:    "Пожалуйста, выберите кнопкой ниже.",
		AskAge:        "Сколько вам лет? Отправьте число от 16 до 99.",
		BadAge:        "Хм, это не похоже на возраст от 16 до 99. Отправьте только число, например 21.",
		AskNickname:   "Придумайте ник, который увидит собеседник: от 2 до 32 символов. Лучше не настоящее имя.",
		BadNickname:   "Ник должен быть от 2 до 32 обычных символов. Попробуйте другой.",
		Done:          "Готово, %s! Нажмите «Открыть чат», чтобы найти собеседника.",
		Menu:          "Tet-a-Tet: анонимный чат один на один. Что дальше?",
		Profile:       "Ваш профиль\nПол: %s\nВозраст: %d\nНик: %s",
		AskNewGender:  "Выберите пол:",
		AskNewAge:     "Отправьте новый возраст, число от 16 до 99.",
		AskNewNick:    "Отправьте новый ник, от 2 до 32 символов.",
		Saved:         "Сохранено.",
		About:         "Tet-a-Tet анонимен: собеседник видит только ваш ник, пол и возраст, но не имя, username или фото в Telegram.\nДо 18 лет общаются только с ровесниками до 18, взрослые — только со взрослыми.\nКто-то ведёт себя плохо? Нажмите «Пожаловаться» в чате в мини-приложении. /privacy — что мы храним, /delete удаляет профиль.",
		ConfirmDelete: "Удалить профиль? Поиск или текущий чат завершатся. Отменить это нельзя.",
		Deleted:       "Профиль удалён. Отправьте /start, когда захотите вернуться.",
		NothingToDel:  "У вас ещё нет профиля. Отправьте /start, чтобы создать его.",
		DelCancelled:  "Хорошо, ничего не удалено.",
		Outdated:      "Эта кнопка больше не работает.",
		Unknown:       "Я понимаю кнопки ниже и команды /start, /help, /privacy и /delete.",
		PrivateOnly:   "Я работаю только в личном чате. Напишите мне напрямую.",
		TryLater:      "Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту.",

		Male:   "мужской",
		Female: "женский",

		BtnMale:          "👨 Мужчина",
		BtnFemale:        "👩 Женщина",
		BtnOpen:          "💬 Открыть чат",
		BtnProfile:       "👤 Мой профиль",
		BtnAbout:         "ℹ️ О боте",
		BtnBack:          "« Назад",
		BtnGender:        "Изменить пол",
		BtnAge:           "Изменить возраст",
		BtnNick:          "Изменить ник",
		BtnInterests:     "Интересы",
		BtnDone:          "✅ Готово",
		ProfileInterests: "Интересы: %s",
		AskInterests:     "Выберите до %d интересов. Среди тех, кто ждёт примерно одинаково, предпочтём собеседника с общим интересом; ни один не обязателен.",
		TooManyInterests: "Не больше %d интересов: сначала снимите один.",
		Interest: map[string]string{"music": "🎵 Музыка", "films": "🎬 Кино", "games": "🎮 Игры", "sport": "⚽ Спорт",
			"travel": "✈️ Путешествия", "books": "📚 Книги", "tech": "💻 Техника", "art": "🎨 Искусство", "memes": "😂 Мемы", "talk": "💬 Просто поболтать"},
		BtnDeleteYes: "Да, удалить",
		BtnDeleteNo:  "Отмена",
		MenuButton:   "Чат",

		CmdStart:   "Начать или показать меню",
		CmdHelp:    "Правила и помощь",
		CmdDelete:  "Удалить мой профиль",
		CmdPrivacy: "Что мы храним и как долго",

		PrivacyAt: "Наша политика конфиденциальности: %s",

		NoticeWrote:         "Собеседник написал вам.",
		NoticeFound:         "Собеседник найден! Откройте чат и поздоровайтесь.",
		NoticeBanned:        "Вы заблокированы в Tet-a-Tet за нарушение правил до %s. Чат и поиск завершены.",
		NoticeBannedForever: "Вы заблокированы в Tet-a-Tet навсегда за нарушение правил. Чат и поиск завершены.",
		NoticeSuspended:     "Ваш аккаунт временно заблокирован за нарушение правил до %s. Чат и поиск завершены.",
		NoticeContact:       "Вы оба согласились обменяться контактами. Ваш собеседник из Tet-a-Tet: %s",
		NoticeAgain:         "Ваш прежний собеседник тоже хочет поговорить снова! Откройте чат.",

		CmdReports:        "Самая старая открытая жалоба",
		CmdStats:          "Цифры",
		CmdUnban:          "Снять блокировку: /unban <id пользователя>",
		NoReports:         "Открытых жалоб нет.",
		Report:            "Жалоба %s\nПричина: %s\nКомментарий: %s\nПодана: %s\nЗаявитель: %s\nНа кого: %s",
		Evidence:          "Переписка, новые внизу (%d из %d сообщений):",
		NoEvidence:        "В комнате нет сообщений.",
		EvidencePhoto:     "[фото]",
		EvidenceVoice:     "[голосовое сообщение %s]",
		EvidenceMediaGone: "[файл не сохранён: комнату очистили до жалобы]",
		Reporter:          "заявитель",
		Reported:          "обвиняемый",
		ReportExchanged:   "Они обменялись контактами (оба согласились) %s.",
		BtnBan7:           "Бан на 7 дней",
		BtnBanForever:     "Бан навсегда",
		BtnDismiss:        "Отклонить",
		DecidedBan:        "Жалоба %s: пользователь заблокирован до %s. /reports покажет следующую.",
		DecidedBanForever: "Жалоба %s: пользователь заблокирован навсегда. /reports покажет следующую.",
		DecidedDismiss:    "Жалоба %s: отклонена. /reports покажет следующую.",
		ReportGone:        "По этой жалобе уже принято решение. /reports покажет следующую.",
		UnbanUsage:        "Отправьте /unban и внутренний id пользователя из жалобы.",
		Unbanned:          "Пользователь %s разблокирован.",
		NotBanned:         "Пользователь %s не был заблокирован.",
		Stats:             "Пользователей: %d\nВ поиске: %d\nАктивных комнат: %d\nСообщений сегодня (UTC): %d\nОткрытых жалоб: %d",
	},
}

// langOf picks the bot's language from a Telegram language_code: Russian for
// ru, English for everything else.
func langOf(code string) string {
	code = strings.ToLower(code)
	if code == "ru" || strings.HasPrefix(code, "ru-") {
		return "ru"
	}
	return "en"
}

// textsFor returns the texts for a Telegram language_code.
func textsFor(code string) *texts { return catalog[langOf(code)] }

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
	BtnDeleteYes         string
	BtnDeleteNo          string
	MenuButton           string

	CmdStart, CmdHelp, CmdDelete string
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
		About:         "Tet-a-Tet is anonymous: a partner sees only your nickname, gender and age, never your Telegram name, username or photo.\nUnder-18s only meet under-18s, adults only adults.\nSomeone behaving badly? Tap “Report” in the chat in the Mini App. /delete removes your profile.",
		ConfirmDelete: "Delete your profile? Any search or chat in progress ends. This cannot be undone.",
		Deleted:       "Your profile is deleted. Send /start whenever you want to come back.",
		NothingToDel:  "You have no profile yet. Send /start to create one.",
		DelCancelled:  "OK, nothing was deleted.",
		Outdated:      "This button is no longer active.",
		Unknown:       "I understand the buttons below and the commands /start, /help and /delete.",
		PrivateOnly:   "I only work in a private chat. Open a direct chat with me.",
		TryLater:      "Something went wrong on our side. Please try again in a minute.",

		Male:   "male",
		Female: "female",

		BtnMale:      "👨 Male",
		BtnFemale:    "👩 Female",
		BtnOpen:      "💬 Open chat",
		BtnProfile:   "👤 My profile",
		BtnAbout:     "ℹ️ About",
		BtnBack:      "« Back",
		BtnGender:    "Change gender",
		BtnAge:       "Change age",
		BtnNick:      "Change nickname",
		BtnDeleteYes: "Yes, delete",
		BtnDeleteNo:  "Cancel",
		MenuButton:   "Chat",

		CmdStart:  "Start, or show the menu",
		CmdHelp:   "Rules and help",
		CmdDelete: "Delete my profile",
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
		About:         "Tet-a-Tet анонимен: собеседник видит только ваш ник, пол и возраст, но не имя, username или фото в Telegram.\nДо 18 лет общаются только с ровесниками до 18, взрослые — только со взрослыми.\nКто-то ведёт себя плохо? Нажмите «Пожаловаться» в чате в мини-приложении. /delete удаляет профиль.",
		ConfirmDelete: "Удалить профиль? Поиск или текущий чат завершатся. Отменить это нельзя.",
		Deleted:       "Профиль удалён. Отправьте /start, когда захотите вернуться.",
		NothingToDel:  "У вас ещё нет профиля. Отправьте /start, чтобы создать его.",
		DelCancelled:  "Хорошо, ничего не удалено.",
		Outdated:      "Эта кнопка больше не работает.",
		Unknown:       "Я понимаю кнопки ниже и команды /start, /help и /delete.",
		PrivateOnly:   "Я работаю только в личном чате. Напишите мне напрямую.",
		TryLater:      "Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту.",

		Male:   "мужской",
		Female: "женский",

		BtnMale:      "👨 Мужчина",
		BtnFemale:    "👩 Женщина",
		BtnOpen:      "💬 Открыть чат",
		BtnProfile:   "👤 Мой профиль",
		BtnAbout:     "ℹ️ О боте",
		BtnBack:      "« Назад",
		BtnGender:    "Изменить пол",
		BtnAge:       "Изменить возраст",
		BtnNick:      "Изменить ник",
		BtnDeleteYes: "Да, удалить",
		BtnDeleteNo:  "Отмена",
		MenuButton:   "Чат",

		CmdStart:  "Начать или показать меню",
		CmdHelp:   "Правила и помощь",
		CmdDelete: "Удалить мой профиль",
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

// Package privacy holds Tet-a-Tet's privacy policy, in the languages the
// product speaks. The bot shows it for /privacy and the API serves it at
// /privacy, so both say the same thing; it lives beside the store because
// every sentence in it is a promise about what the store keeps and for how
// long, and the durations in it are the store's settings (Terms).
package privacy

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// Terms are the settings the policy quotes, so it says what this
// deployment does.
type Terms struct {
	RoomTTL         time.Duration // ROOM_TTL
	MaxMessages     int           // ROOM_MAX_MESSAGES
	ReportRetention time.Duration // reports and decisions
	NoticeRetention time.Duration // the bot's queued notices
	// EvidenceMessages is how many of a conversation's last messages a
	// report carries, and how many a clear keeps hidden for one.
	EvidenceMessages int
	// RelayHistory is how long the real-time server (Centrifugo) keeps a
	// conversation's recent messages for apps that reconnect.
	RelayHistory time.Duration
	// Ads: a RichAds slot is configured.
	Ads bool
	// AgainTTL is how long after a chat its members may ask to meet again.
	AgainTTL time.Duration
	// SpamWindow is how far back first messages are compared across chats
	// (the longer of the spam windows).
	SpamWindow time.Duration
}

// Policy returns the policy as plain text for a Telegram language code:
// Russian for "ru…", English otherwise.
func Policy(lang string, t Terms) string {
	if strings.HasPrefix(strings.ToLower(lang), "ru") {
		return ru(t)
	}
	return en(t)
}

// HTML returns both languages as a small standalone page.
func HTML(t Terms) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
		`<title>Tet-a-Tet — privacy policy</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}` +
		`h1{font-size:1.4rem}</style></head><body>`)
	for _, text := range []string{en(t), ru(t)} {
		lines := strings.Split(text, "\n")
		b.WriteString("<h1>" + html.EscapeString(lines[0]) + "</h1>")
		for _, p := range strings.Split(strings.Join(lines[1:], "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
			}
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}

// span says a duration the way people do: "24 hours", "30 days".
func span(d time.Duration, hours, days, minutes string) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d %s", d/(24*time.Hour), days)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d %s", d/time.Hour, hours)
	}
	return fmt.Sprintf("%d %s", max(d/time.Minute, 1), minutes)
}

func en(t Terms) string {
	d := func(x time.Duration) string { return span(x, "hours", "days", "minutes") }
	ads := "We show no ads and load no third-party scripts."
	if t.Ads {
		ads = "Ads: the app shows an ad slot from RichAds. Its script runs in a separate, isolated frame: it cannot read your Telegram id, name, username or your conversations. Like any web page it sees your IP address and device."
	}
	return fmt.Sprintf(`Tet-a-Tet privacy policy

What we store: your Telegram user id (to recognise you), your language, and the profile you give us: nickname, gender, age and the interests you pick (at most 5). While you search, your filters; the app also remembers your last filters in Telegram's storage for this app, on your account or your device, where only you can read them. For each conversation, its messages (at most the last %[1]d), who was in it and how far each of you has read.

Who sees what: your partner sees only your nickname, gender and age, the interests you both picked, and what you write. Never your Telegram id, username, name or photo, unless you both agree to exchange contacts.

How long: a conversation and its messages are deleted %[2]s after its last message. When either of you clears it, its messages are deleted for both of you at once; only its last %[3]d messages (with the photos and voice messages among them) stay hidden, readable by nobody, until that time, so that either of you can still report the other. The real-time relay keeps a conversation's recent messages for apps that reconnect for at most %[4]s. A search is forgotten when it ends (one that ran out, within an hour).

Photos and voice messages: we re-encode every photo on our server, so no location, camera model or other hidden data in the file reaches your partner; a voice message is kept as recorded. Only the two of you can open them. They live as long as their conversation and are deleted with it when it expires; when either of you clears it (or sends /delete), they are deleted at once, except those among the last messages kept hidden for a report, which go when the conversation would have expired. Users under 18 can neither send nor receive them.

Exchanging contacts and meeting again: in a chat either of you may offer to exchange Telegram usernames. Nothing is given until both of you agree; then the bot sends each of you the other's username. Your username is kept only while your offer stands and never appears in the app. Once you have exchanged, we keep for our moderators only the fact that your two accounts did (so a later report shows it), for %[5]s. For %[8]s after a chat ends either of you may ask to talk again; your partner learns of it only if they ask too, and then only by a new chat. Users under 18 can do neither.

Spam and ratings: to stop scripts that send one text to chat after chat, we compare the first message you send in each chat (reduced to its letters and links) and how soon you leave after writing with your chats of the last %[9]s. If it looks like a script, your searches wait until a moderator has looked; the moderator sees that text. After a chat you may rate it; your partner never learns your rating. If many different partners rate someone down in a day, a moderator looks at that account. Such reviews are kept at most %[5]s; per-chat ratings two days.

Reports: when you report someone, the last %[3]d messages of that conversation, its photos and voice messages, and both of your Telegram ids are kept with the report for our moderators, who may suspend or ban the account. Reports and the moderators' decisions are kept %[5]s.

Messages from the bot: to tell you that your partner wrote or was found while the app is closed, we queue your Telegram id and language for the bot; such a queued notice is kept at most %[6]s.

Deleting your data: send /delete to the bot. Your profile, search and every conversation of yours that is still kept are deleted at once, for your partners too (as when you clear one). We keep only the link between your Telegram id and an internal number, and any block, ban or spam review on that number, so that they stay in force.

Who else sees data: Telegram delivers the bot's messages and runs the app. %[7]s Moderators see reports as described above and overall numbers. We do not sell or share your data.

Questions: write to the bot's operator.`,
		t.MaxMessages, d(t.RoomTTL), t.EvidenceMessages, d(t.RelayHistory), d(t.ReportRetention), d(t.NoticeRetention), ads,
		d(t.AgainTTL), d(t.SpamWindow))
}

func ru(t Terms) string {
	d := func(x time.Duration) string { return span(x, "ч", "дн.", "мин") }
	ads := "Мы не показываем рекламу и не загружаем сторонние скрипты."
	if t.Ads {
		ads = "Реклама: приложение показывает рекламный блок RichAds. Его скрипт работает в отдельном изолированном окне: он не видит ваш Telegram id, имя, имя пользователя и ваши беседы. Как любая веб-страница, он видит ваш IP-адрес и устройство."
	}
	return fmt.Sprintf(`Политика конфиденциальности Tet-a-Tet

Что мы храним: ваш Telegram id (чтобы узнавать вас), язык и профиль, который вы указали: ник, пол, возраст и выбранные интересы (не больше 5). Во время поиска — ваши фильтры; кроме того, приложение запоминает ваши последние фильтры в хранилище Telegram для этого приложения, в вашем аккаунте или на устройстве, где их можете прочитать только вы. Для каждой беседы — её сообщения (не больше последних %[1]d), участников и то, до какого сообщения каждый из вас дочитал.

Кто что видит: собеседник видит только ваш ник, пол, возраст, общие с ним интересы и то, что вы пишете. Никогда — ваш Telegram id, имя пользователя, имя или фото, если только вы оба не согласитесь обменяться контактами.

Как долго: беседа и её сообщения удаляются через %[2]s после последнего сообщения. Когда один из вас её очищает, сообщения сразу удаляются для обоих; только последние %[3]d сообщений (вместе с фото и голосовыми среди них) остаются скрытыми, недоступными никому, до этого срока, чтобы любой из вас мог пожаловаться. Сервер доставки хранит недавние сообщения беседы для переподключившихся приложений не дольше %[4]s. Поиск забывается, когда заканчивается (истёкший — в течение часа).

Фото и голосовые сообщения: каждое фото мы перекодируем на сервере, поэтому местоположение, модель камеры и другие скрытые данные файла не доходят до собеседника; голосовое сообщение хранится как записано. Открыть их можете только вы двое. Они живут столько же, сколько беседа, и удаляются вместе с ней по истечении её срока; когда один из вас её очищает (или отправляет /delete), они удаляются сразу, кроме тех, что среди последних сообщений, скрытых для жалобы: эти удаляются, когда истёк бы срок беседы. Пользователи младше 18 лет не могут ни отправлять, ни получать их.

Обмен контактами и новая встреча: в беседе любой из вас может предложить обменяться именами пользователя Telegram. Ничего не передаётся, пока не согласятся оба; тогда бот присылает каждому имя другого. Ваше имя пользователя хранится, только пока действует ваше предложение, и никогда не показывается в приложении. После обмена мы храним для модераторов только сам факт, что ваши два аккаунта обменялись контактами (чтобы он был виден в будущей жалобе), %[5]s. В течение %[8]s после конца беседы любой из вас может попросить поговорить снова; собеседник узнает об этом, только если попросит тоже, и только по новой беседе. Пользователям младше 18 лет ни то ни другое недоступно.

Спам и оценки: чтобы останавливать скрипты, которые рассылают один текст беседе за беседой, мы сравниваем ваше первое сообщение в каждой беседе (только буквы и ссылки) и то, как скоро вы уходите после него, с вашими беседами за последние %[9]s. Если это похоже на скрипт, ваш поиск ждёт, пока модератор не посмотрит; модератор видит этот текст. После беседы её можно оценить; собеседник никогда не узнает вашу оценку. Если за сутки многие разные собеседники оценили кого-то плохо, модератор посмотрит этот аккаунт. Такие проверки хранятся не дольше %[5]s, оценки отдельных бесед — двое суток.

Жалобы: когда вы жалуетесь на собеседника, последние %[3]d сообщений беседы, её фото и голосовые сообщения и Telegram id обоих сохраняются вместе с жалобой для модераторов, которые могут временно или навсегда заблокировать аккаунт. Жалобы и решения модераторов хранятся %[5]s.

Сообщения бота: чтобы сообщить, что собеседник написал или найден, пока приложение закрыто, мы ставим в очередь бота ваш Telegram id и язык; такое уведомление хранится не дольше %[6]s.

Удаление данных: отправьте боту /delete. Профиль, поиск и все ваши беседы, которые ещё хранятся, удаляются сразу, и у собеседников тоже (как при очистке). Мы оставляем только связь вашего Telegram id с внутренним номером и блокировки, баны и проверки на спам этого номера, чтобы они продолжали действовать.

Кто ещё видит данные: Telegram доставляет сообщения бота и запускает приложение. %[7]s Модераторы видят жалобы, как описано выше, и общие цифры. Мы не продаём и не передаём ваши данные.

Вопросы — оператору бота.`,
		t.MaxMessages, d(t.RoomTTL), t.EvidenceMessages, d(t.RelayHistory), d(t.ReportRetention), d(t.NoticeRetention), ads,
		d(t.AgainTTL), d(t.SpamWindow))
}

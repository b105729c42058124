"""Demo data: a support desk of a SaaS vendor with customers writing in three languages."""

from __future__ import annotations

# (key, language, kind, title, what happens to it)
# What happens: a status, "declined:<reason>", or "dup:<key>" (merged into that request).
REQUESTS: list[tuple[str, str, str, str, str]] = [
    ("xlsx", "en", "suggestion", "Export deals to XLSX", "in_progress"),
    ("dark", "en", "suggestion", "Dark mode for the web version", "accepted"),
    ("2fa", "en", "suggestion", "Two-factor authentication with hardware keys", "done"),
    ("bulk", "en", "suggestion", "Bulk edit of contacts", "under_review"),
    ("recur", "en", "suggestion", "Recurring tasks on the last working day", "under_review"),
    ("calfields", "en", "suggestion", "Custom fields in calendar events", "declined:not_planned"),
    ("gantt-pdf", "en", "suggestion", "Export the Gantt chart to PDF", "accepted"),
    ("outlook", "en", "defect", "Outlook calendar sync loses recurring events", "in_progress"),
    ("video-crash", "en", "defect", "Mobile app crashes when attaching a video", "done"),
    ("swimlanes", "en", "suggestion", "Swimlanes on the Kanban board", "under_review"),
    ("doc-search", "en", "suggestion", "Search inside attached documents", "under_review"),
    ("undo", "en", "suggestion", "Undo for deleted tasks", "accepted"),
    ("threads", "en", "suggestion", "Reply threads in group chats", "done"),
    ("timereport", "en", "suggestion", "Time tracking report per project", "under_review"),
    ("hooks", "en", "suggestion", "Outgoing webhooks when a task changes status", "under_review"),
    ("okta", "en", "suggestion", "Single sign-on with Okta", "declined:partner_work"),
    ("mailtpl", "en", "suggestion", "Email templates with variables", "under_review"),
    ("receipts", "en", "suggestion", "Read receipts in chats", "declined:not_planned"),
    ("kanban-proj", "en", "suggestion", "Kanban view for projects", "dup:swimlanes"),
    ("excel", "en", "suggestion", "Export deals to Excel", "dup:xlsx"),
    ("ru-excel", "ru", "suggestion", "Выгрузка сделок в Excel", "dup:xlsx"),
    ("ru-dark", "ru", "suggestion", "Тёмная тема в мобильном приложении", "under_review"),
    ("ru-owner", "ru", "suggestion", "Массовая смена ответственного в сделках", "accepted"),
    ("ru-invoice", "ru", "suggestion", "Напоминание клиенту о неоплаченном счёте", "in_progress"),
    ("ru-bday", "ru", "suggestion", "Поле «День рождения» в карточке компании", "done"),
    ("ru-stamp", "ru", "suggestion", "Шаблоны документов с печатью и подписью", "under_review"),
    ("ru-1c", "ru", "suggestion", "Двусторонний обмен товарами с 1С", "declined:partner_work"),
    ("ru-bp", "ru", "defect", "Бизнес-процесс не запускается при изменении сделки", "accepted"),
    ("ru-sort", "ru", "suggestion", "Сортировка задач по приоритету", "under_review"),
    ("ru-funnel", "ru", "suggestion", "Копирование воронки продаж со стадиями", "under_review"),
    ("ru-reports", "ru", "suggestion", "Доступ к отчётам по отделам", "accepted"),
    ("ru-video", "ru", "suggestion", "Видеозвонки на 100 участников", "in_progress"),
    (
        "ru-tg",
        "ru",
        "suggestion",
        "Уведомления в Telegram о новых лидах",
        "declined:marketplace_app",
    ),
    ("ru-subs", "ru", "suggestion", "Повторяющиеся сделки для подписок", "under_review"),
    ("ru-upload", "ru", "defect", "Ошибка при загрузке файла больше 2 ГБ", "done"),
    ("ru-tags", "ru", "suggestion", "Фильтр по тегам в списке задач", "under_review"),
    ("ru-lanes", "ru", "suggestion", "Канбан с дорожками по ответственным", "dup:swimlanes"),
    ("ru-items", "ru", "suggestion", "Комментарии к товарам в счёте", "under_review"),
    ("ru-sign", "ru", "suggestion", "Электронная подпись документов", "accepted"),
    ("ru-kz", "ru", "suggestion", "Интерфейс на казахском языке", "under_review"),
    ("ja-excel", "ja", "suggestion", "取引をExcelにエクスポートしたい", "dup:xlsx"),
    ("ja-dark", "ja", "suggestion", "ダークモードに対応してほしい", "dup:dark"),
    ("ja-approvers", "ja", "suggestion", "ワークフローの承認者を複数設定したい", "under_review"),
    ("ja-gantt", "ja", "suggestion", "ガントチャートを印刷したい", "dup:gantt-pdf"),
    ("ja-holidays", "ja", "suggestion", "カレンダーに日本の祝日を表示", "done"),
    ("ja-chatsearch", "ja", "suggestion", "チャットのメッセージ検索を速くしてほしい", "accepted"),
    ("ja-crash", "ja", "defect", "動画を添付するとモバイルアプリが落ちる", "dup:video-crash"),
    ("ja-tax", "ja", "suggestion", "請求書に消費税を正しく表示したい", "in_progress"),
    ("ja-card", "ja", "suggestion", "名刺スキャンで連絡先を登録したい", "under_review"),
    ("ja-form", "ja", "suggestion", "フォームの項目を条件で表示・非表示", "under_review"),
    ("ja-drive", "ja", "suggestion", "ドライブのフォルダ権限を細かく設定したい", "accepted"),
    ("ja-furigana", "ja", "suggestion", "重複チェックでふりがなを使ってほしい", "under_review"),
    ("ja-transcribe", "ja", "suggestion", "通話録音を自動で文字起こししたい", "under_review"),
    ("ja-checklist", "ja", "suggestion", "タスクのチェックリストをテンプレート化", "done"),
    ("ja-line", "ja", "suggestion", "オープンチャネルでLINEと連携したい", "declined:partner_work"),
    ("ja-png", "ja", "suggestion", "レポートのグラフをPNGで保存したい", "under_review"),
    ("ja-schedule", "ja", "suggestion", "社内SNSの投稿を予約したい", "accepted"),
    ("ja-wf-stop", "ja", "defect", "ワークフローが途中で止まる", "declined:partner_work"),
    ("ja-app", "ja", "defect", "マーケットのアプリでエラーが出る", "declined:marketplace_app"),
    ("ja-logins", "ja", "suggestion", "ユーザーごとのログイン履歴を見たい", "under_review"),
    # The same wishes again in another language, not merged yet: the duplicates queue's.
    ("ja-sort", "ja", "suggestion", "タスクを優先度順に並べ替えたい", "under_review"),
    ("en-tags", "en", "suggestion", "Filter the task list by tags", "under_review"),
    ("ru-logins", "ru", "suggestion", "История входов каждого пользователя", "under_review"),
    ("en-transcribe", "en", "suggestion", "Transcribe call recordings automatically", "accepted"),
]

# How many customers' threads raised each request, most popular first (skewed, as in life).
DEMAND = [38, 27, 21, 16, 13, 11, 9, 8, 7, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 3]

ACCOUNTS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("acme.bitrix24.com", "Acme Corp"),
        ("globex.bitrix24.com", "Globex"),
        ("initech.bitrix24.com", "Initech"),
        ("umbrella.bitrix24.com", "Umbrella Travel"),
        ("hooli.bitrix24.com", "Hooli"),
        ("stark.bitrix24.com", "Stark Logistics"),
        ("wayne.bitrix24.com", "Wayne Foods"),
        ("wonka.bitrix24.com", "Wonka Sweets"),
        ("tyrell.bitrix24.com", "Tyrell Realty"),
        ("cyberdyne.bitrix24.com", "Cyberdyne Clinics"),
        ("soylent.bitrix24.com", "Soylent Catering"),
        ("oscorp.bitrix24.com", "Oscorp Labs"),
        ("vandelay.bitrix24.com", "Vandelay Industries"),
        ("gringotts.bitrix24.com", "Gringotts Finance"),
    ],
    "ru": [
        ("romashka.bitrix24.ru", "ООО «Ромашка»"),
        ("vector.bitrix24.ru", "ГК «Вектор»"),
        ("severstroy.bitrix24.ru", "Северстрой"),
        ("uralmash-service.bitrix24.ru", "Уралмаш-Сервис"),
        ("volga-trade.bitrix24.ru", "Волга Трейд"),
        ("sibles.bitrix24.ru", "Сиблес"),
        ("kvartal.bitrix24.ru", "АН «Квартал»"),
        ("mediclinic.bitrix24.ru", "Медклиника Плюс"),
        ("avtodom.bitrix24.ru", "Автодом"),
        ("pechatnik.bitrix24.ru", "Типография «Печатник»"),
        ("teplo.bitrix24.ru", "Тепло-Сервис"),
        ("agro-yug.bitrix24.ru", "Агро-Юг"),
        ("edu-center.bitrix24.ru", "Учебный центр «Знание»"),
    ],
    "ja": [
        ("sakura.bitrix24.jp", "株式会社さくら"),
        ("fujiyama.bitrix24.jp", "富士山商事"),
        ("tokyo-design.bitrix24.jp", "東京デザイン"),
        ("osaka-foods.bitrix24.jp", "大阪フーズ"),
        ("kyoto-travel.bitrix24.jp", "京都トラベル"),
        ("hokkaido-milk.bitrix24.jp", "北海道ミルク"),
        ("nagoya-parts.bitrix24.jp", "名古屋パーツ"),
        ("yokohama-port.bitrix24.jp", "横浜ポート物流"),
        ("kobe-clinic.bitrix24.jp", "神戸クリニック"),
        ("sendai-soft.bitrix24.jp", "仙台ソフト"),
        ("fukuoka-realty.bitrix24.jp", "福岡不動産"),
        ("nara-edu.bitrix24.jp", "奈良教育サービス"),
        ("okinawa-resort.bitrix24.jp", "沖縄リゾート"),
    ],
}

PLANS = ["free", "basic", "standard", "professional", "professional", "enterprise"]

# Which channel each language's customers write through.
CHANNELS = [
    ("bitrix24-main", "Bitrix24 support portal (RU)", ["ru"]),
    ("bitrix24-jp", "Bitrix24 support portal (JP)", ["ja"]),
    ("slack-main", "Slack Connect workspace", ["en"]),
    ("mail-support", "support@ mailbox", ["en"]),
    ("hooks-main", "Chat integration (signed webhook)", ["en", "ru", "ja"]),
]

QUOTES = {
    "en": [
        "We really need this, our managers ask every week.",
        "This would save our team hours of manual work.",
        "Any chance this is coming? Our sales team keeps asking.",
        "Same here, please count us in.",
        "Our boss asked me to raise this again.",
    ],
    "ru": [
        "Очень нужно, менеджеры спрашивают каждую неделю.",
        "Это сэкономит нам много ручной работы.",
        "Присоединяемся к пожеланию.",
        "Без этого приходится всё делать вручную.",
        "Руководитель просил передать, что это важно.",
    ],
    "ja": [
        "この機能がとても必要です。",
        "手作業が多くて困っています。",
        "弊社も同じ要望です。",
        "営業チームから何度も要望が出ています。",
        "ぜひご検討をお願いいたします。",
    ],
}

DEFECT_REPORT = {
    "steps": "Opened the item, pressed the button from the steps in the screenshot.",
    "started_how": "Started by hand by a user with the administrator role.",
    "expected": "The action completes and the result is saved.",
    "actual": "An error message appears and nothing is saved.",
    "attachments": ["https://files.example.com/demo/screenshot-1.png"],
}

NOTES = {
    "accepted": "Thank you, we have accepted this request and added it to the development queue.",
    "in_progress": "Our developers have started working on this.",
    "done": "The work is finished. Thank you for helping us shape the product.",
    "not_planned": "We have discussed this request and do not plan to build it.",
    "partner_work": "This is implementation work that our official partners can do for you.",
    "marketplace_app": "This error is in a Marketplace application; its developer can fix it.",
    "duplicate": "This wish is already tracked under another request.",
}

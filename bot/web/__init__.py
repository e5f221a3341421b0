"""The web console for commune staff and police: a Starlette app on the bot's own services and
database, served inside `canhgiac run` (when `CANHGIAC_WEB_PORT` is set) or alone (`canhgiac web`).

    app.py        the routes and middleware, built from `Services` (`build_app`)
    security.py   security headers on every response; CSRF tokens and the cookies' flags
    auth.py       passwordless login (a link or a code from `/dangnhap`), sessions, logout
    identity.py   who is signed in: their roles and areas, checked again on every request
    console.py    home: who is signed in, their roles and areas, the start of the police queue
    police.py     the police pages: queue with filters, identifier (reports, photos, history),
                  decisions one by one or in bulk, CSV/XLSX exports
    staff.py      the staff's pages: subscribers, compose and follow broadcasts, calendar, posters, FAQ gaps
    staff_records.py  the reporting deadlines of the staff's areas, and the sessions recorded with
                  /ghinhan, edited and deleted (`bot.activity`, as in the chat)
    charts.py     charts drawn on the server as SVG
    pages.py      the page templates (`content/<lang>/web/*.html.j2`)
    server.py     uvicorn, started and stopped with the bot's other tasks

Whole HTML pages are not chat replies: their templates live in `content/<lang>/web/`, beside (not
in) `templates/`, so the checks of chat replies (Telegram's HTML subset, snapshots of flows) do
not apply to them, and a language is still one folder. Business logic stays below: the queue is
`bot.reporting.reports.queue`, decisions `bot.reporting.decisions`, exports `bot.reporting.exports`,
scopes are `bot.reporting.digest.scope_of`, roles `bot.routing.roles`;
broadcasts are composed by `bot.broadcast.compose`, as in the chat.
"""

"""The chat apps: support logs a customer's wish from inside the chat where the customer
wrote it, a Slack workspace (`slack`) or a Bitrix24 portal (`bitrix24`).

Both do the same thing (`common`): show the customer's message and the closest existing
requests, then attach the thread to one of them or log a new one through the one intake
service, so that the customer hears about it in that thread like any other intake. Every
call from the chat is checked before anything is written: Slack's request signature, the
Bitrix24 portal's application token and placement auth. URLs live under /integrations/.
"""

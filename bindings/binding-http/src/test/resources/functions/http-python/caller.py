# Calls the http binding "web" (HttpBindingFromPythonTest).
from nucleon_wrapper import BindingError


def handler(context, event):
    web = context.data_binding["web"]
    try:
        if event.path == "/call":
            r = web.request("POST", "/echo", body=event.body, headers={"X-A": "1"})
            return {"status": r["status"], "body": r["body"].decode(), "got": r["headers"].get("x-got")}
        if event.path == "/bad":
            return web.call("request", None, verb="GET")
    except BindingError as e:
        return {"error": e.code, "message": str(e)}
    return 404, "no such path"

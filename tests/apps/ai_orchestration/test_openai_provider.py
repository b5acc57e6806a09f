"""The OpenAI-compatible provider against a real local HTTP server that speaks
the chat-completions tool-calling protocol (http.server in a thread on
127.0.0.1, random port): a two-step tool conversation, a timeout, malformed
answers. Whatever the server sends, the worst outcome is a 502."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.ai_orchestration.models import ToolCall
from apps.learning.models import Enrollment
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

Reply = Callable[[dict], tuple[int, bytes, float]]


class FakeChatCompletions:
    """Answers each POST /v1/chat/completions with the next scripted reply and
    records what it was sent."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies)
        self.received: list[dict] = []
        self.headers: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append({"path": self.path, "body": body})
                fake.headers.append(dict(self.headers))
                reply = fake.replies.pop(0) if fake.replies else _message("(no more replies)")
                status, payload, delay = reply(body)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _completion(message: dict) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    ).encode()


def _message(content: str) -> Reply:
    return lambda body: (200, _completion({"role": "assistant", "content": content}), 0)


def _tool_calls(*calls: tuple[str, str, Callable[[dict], dict] | dict]) -> Reply:
    """Tool calls whose arguments may depend on what the server was sent."""

    def reply(body: dict):
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": json.dumps(arguments(body) if callable(arguments) else arguments),
                    },
                }
                for call_id, name, arguments in calls
            ],
        }
        return 200, _completion(message), 0

    return reply


def _raw(status: int, payload: bytes, delay: float = 0) -> Reply:
    return lambda body: (status, payload, delay)


@pytest.fixture
def openai_settings(settings):
    def configure(server: FakeChatCompletions, timeout: float = 5.0):
        settings.AI_PROVIDER = "openai"
        settings.AI_BASE_URL = server.base_url
        settings.AI_API_KEY = "sk-test"
        settings.AI_MODEL = "test-model"
        settings.AI_TIMEOUT_SECONDS = timeout

    return configure


def _first_course_id(body: dict) -> dict:
    """The course id the model 'reads' from the search result it was sent."""
    tool_message = next(message for message in body["messages"] if message["role"] == "tool")
    result = json.loads(tool_message["content"])["result"]
    return {"course_id": result["results"][0]["id"]}


def test_two_step_tool_conversation(openai_settings, catalogue, labs, learner):
    # given a model that searches, then enrolls in what it found, then replies
    server = FakeChatCompletions(
        _tool_calls(("call_search", "search_courses", {"q": "data science"})),
        _tool_calls(("call_enroll", "enroll", _first_course_id)),
        _message("You are enrolled in Data Science 101."),
    )
    with server:
        openai_settings(server)
        # when the learner asks
        response = client_for(learner).post("/v1/ai/chat", {"message": "enroll me in data science"}, format="json")

    # then the turn ran both tools as the learner and relayed the model's reply
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reply"] == "You are enrolled in Data Science 101."
    assert [(call["tool"], call["status"]) for call in body["tool_calls"]] == [
        ("search_courses", "ok"),
        ("enroll", "ok"),
    ]
    assert Enrollment.objects.get(user=learner).course_id == catalogue.data_science.id

    # and the server was spoken to in the protocol
    first, second, third = (request["body"] for request in server.received)
    assert server.received[0]["path"] == "/v1/chat/completions"
    assert server.headers[0]["Authorization"] == "Bearer sk-test"
    assert first["model"] == "test-model"
    assert [message["role"] for message in first["messages"]] == ["system", "user"]
    assert "Europe/Berlin" in first["messages"][0]["content"]
    tools = {tool["function"]["name"]: tool for tool in first["tools"]}
    assert tools["enroll"]["type"] == "function"
    assert tools["enroll"]["function"]["parameters"]["required"] == ["course_id"]
    assert [message["role"] for message in second["messages"]] == ["system", "user", "assistant", "tool"]
    assert second["messages"][2]["tool_calls"][0]["id"] == "call_search"
    assert second["messages"][3]["tool_call_id"] == "call_search"
    assert json.loads(second["messages"][3]["content"])["status"] == "ok"
    assert [message["role"] for message in third["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
    ]
    assert json.loads(third["messages"][5]["content"])["result"]["status"] == "active"


def test_earlier_turns_are_sent_back_in_protocol_order(openai_settings, catalogue, labs, learner):
    server = FakeChatCompletions(
        _tool_calls(("c1", "get_course", {"course_id": str(catalogue.python_basics.id)})),
        _message("It is a beginner course."),
        _message("You're welcome."),
    )
    with server:
        openai_settings(server)
        client = client_for(learner)
        first = client.post("/v1/ai/chat", {"message": "what is python basics?"}, format="json").json()
        client.post("/v1/ai/chat", {"message": "thanks", "conversation_id": first["conversation_id"]}, format="json")

    last = server.received[-1]["body"]["messages"]
    assert [message["role"] for message in last] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert last[2]["tool_calls"][0]["function"]["name"] == "get_course"
    assert last[4]["content"] == "It is a beginner course."


def test_arguments_failing_the_schema_are_fed_back_as_a_tool_error(openai_settings, catalogue, labs, learner):
    server = FakeChatCompletions(
        _tool_calls(("bad", "enroll", {"course_id": "python basics", "user_id": "someone-else"})),
        _message("I could not enroll you."),
    )
    with server:
        openai_settings(server)
        body = client_for(learner).post("/v1/ai/chat", {"message": "enroll me"}, format="json").json()

    assert body["tool_calls"][0]["error"]["code"] == "validation_error"
    assert set(body["tool_calls"][0]["error"]["details"]) == {"course_id", "user_id"}
    fed_back = json.loads(server.received[1]["body"]["messages"][-1]["content"])
    assert fed_back["status"] == "error" and fed_back["error"]["code"] == "validation_error"
    assert not Enrollment.objects.exists()


def test_timeout_is_a_provider_error(openai_settings, learner):
    server = FakeChatCompletions(_raw(200, _completion({"role": "assistant", "content": "late"}), delay=1.0))
    with server:
        openai_settings(server, timeout=0.2)
        started = time.monotonic()
        response = client_for(learner).post("/v1/ai/chat", {"message": "hello"}, format="json")
        elapsed = time.monotonic() - started

    assert response.status_code == 502
    assert response.json()["code"] == "ai_provider_error"
    assert elapsed < 1.0  # we gave up; we did not wait for the server


@pytest.mark.parametrize(
    "reply",
    [
        _raw(200, b"this is not json"),
        _raw(200, b'{"choices": []}'),
        _raw(200, b'{"id": "x"}'),
        _raw(200, b'{"choices": [{"message": "text"}]}'),
        _raw(200, _completion({"role": "assistant", "content": ""})),
        _raw(200, _completion({"role": "assistant", "content": None, "tool_calls": "nope"})),
        _raw(500, b'{"error": {"message": "overloaded"}}'),
        _raw(401, b'{"error": {"message": "bad key"}}'),
    ],
    ids=[
        "not-json",
        "no-choices",
        "no-choices-key",
        "message-not-object",
        "empty-reply",
        "tool-calls-not-list",
        "http-500",
        "http-401",
    ],
)
def test_malformed_or_failed_answers_are_provider_errors(openai_settings, learner, reply):
    server = FakeChatCompletions(reply)
    with server:
        openai_settings(server)
        response = client_for(learner).post("/v1/ai/chat", {"message": "hello"}, format="json")

    assert response.status_code == 502, response.content
    assert response.json()["code"] == "ai_provider_error"
    assert not ToolCall.objects.exists()  # nothing proposed by a broken answer ran


def test_unreachable_server_is_a_provider_error(openai_settings, learner):
    server = FakeChatCompletions()
    with server:
        openai_settings(server)
    # the server is gone now: its port refuses connections
    response = client_for(learner).post("/v1/ai/chat", {"message": "hello"}, format="json")
    assert response.status_code == 502 and response.json()["code"] == "ai_provider_error"


def _call(name: str, arguments_text: str, call_id: str = "c1") -> Reply:
    """One tool call whose arguments are sent as raw text (possibly not JSON)."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments_text}}],
    }
    return _raw(200, _completion(message))


def _fed_back(request: dict) -> dict:
    return json.loads(request["body"]["messages"][-1]["content"])


@pytest.mark.parametrize(
    "name, arguments_text, detail",
    [
        ("make_me_staff", "{}", "tool"),
        ("enroll", "{oops", "arguments"),
        ("enroll", "[1]", "arguments"),
    ],
    ids=["unknown-tool", "arguments-not-json", "arguments-not-object"],
)
def test_a_model_mistake_is_fed_back_and_the_model_recovers(
    openai_settings, catalogue, labs, learner, name, arguments_text, detail
):
    # given a model that first makes a mistake, then corrects itself after seeing the error
    course_id = str(catalogue.python_basics.id)
    server = FakeChatCompletions(
        _call(name, arguments_text),
        _tool_calls(("c2", "enroll", {"course_id": course_id})),
        _message("You are enrolled in Python Basics."),
    )
    with server:
        openai_settings(server)
        response = client_for(learner).post("/v1/ai/chat", {"message": "enroll me in python basics"}, format="json")

    # then the turn completes: the mistake was refused (nothing ran), the correction ran
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(call["tool"], call["status"]) for call in body["tool_calls"]] == [(name, "error"), ("enroll", "ok")]
    error = body["tool_calls"][0]["error"]
    assert error["code"] == "validation_error" and detail in error["details"]
    assert body["reply"] == "You are enrolled in Python Basics."
    # and the model was told, in the protocol, what went wrong
    fed_back = _fed_back(server.received[1])
    assert fed_back["status"] == "error" and fed_back["error"]["code"] == "validation_error"
    assert server.received[1]["body"]["messages"][-1]["tool_call_id"] == "c1"
    assert Enrollment.objects.filter(user=learner).count() == 1
    refused = ToolCall.objects.get(user=learner, tool=name, status="error")
    assert refused.http_status == 400


def test_a_model_that_never_stops_calling_tools_is_capped(openai_settings, catalogue, labs, learner):
    # given a model that answers every request with one more tool call
    server = FakeChatCompletions(*[_tool_calls((f"c{n}", "list_labs", {})) for n in range(50)])
    with server:
        openai_settings(server)
        response = client_for(learner).post("/v1/ai/chat", {"message": "list labs forever"}, format="json")

    # then five calls ran, the sixth was refused, and the turn ended after six requests
    assert response.status_code == 200, response.content
    body = response.json()
    assert [call["status"] for call in body["tool_calls"]] == ["ok"] * 5 + ["error"]
    assert body["tool_calls"][-1]["error"]["code"] == "tool_step_limit_reached"
    assert len(server.received) == 6
    assert "at most 5 tool steps" in body["reply"]

"""A provider that proposes exactly what a test scripts: the stand-in for a
model that misbehaves (loops, invents arguments, targets other people's data)."""

from __future__ import annotations

from apps.ai_orchestration.providers import ProposedCall, ProviderError, ProviderRequest, ProviderStep


class ScriptedProvider:
    name = "scripted"

    def __init__(self, *steps):
        self.steps = list(steps)
        self.requests: list[ProviderRequest] = []

    def next_step(self, request: ProviderRequest) -> ProviderStep:
        self.requests.append(request)
        if not self.steps:
            return ProviderStep(reply="done")
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, str):
            return ProviderStep(reply=step)
        calls = tuple(
            ProposedCall(call_id=f"s{len(self.requests)}_{index}", name=name, arguments=arguments)
            for index, (name, arguments) in enumerate(step)
        )
        return ProviderStep(calls=calls)


class LoopingProvider:
    """Proposes the same call for ever."""

    name = "looping"

    def __init__(self, name: str, arguments: dict):
        self.call = (name, arguments)
        self.requests = 0

    def next_step(self, request: ProviderRequest) -> ProviderStep:
        self.requests += 1
        return ProviderStep(
            calls=(ProposedCall(call_id=f"loop{self.requests}", name=self.call[0], arguments=self.call[1]),)
        )


class FailingProvider:
    name = "failing"

    def next_step(self, request: ProviderRequest) -> ProviderStep:
        raise ProviderError("The AI provider did not answer in time.")


def use_provider(monkeypatch, provider) -> None:
    monkeypatch.setattr("apps.ai_orchestration.services.get_provider", lambda: provider)

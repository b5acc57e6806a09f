import factory

from apps.ai_orchestration.models import Conversation, Message, ToolCall


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    user = factory.SubFactory("tests.factories.identity.UserFactory")
    title = factory.Sequence(lambda n: f"Conversation {n}")
    provider = "offline"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.USER
    content = "hello"
    turn = factory.Sequence(lambda n: n + 1)
    step = 0


class ToolCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolCall

    user = factory.SubFactory("tests.factories.identity.UserFactory")
    source = ToolCall.Source.EXECUTE
    tool = "search_courses"
    arguments = factory.LazyFunction(dict)
    status = ToolCall.Status.OK
    result = factory.LazyFunction(lambda: {"results": [], "next_cursor": None})
    http_status = 200
    duration_ms = 3

from django.urls import path

from apps.ai_orchestration import views

urlpatterns = [
    path("ai/chat", views.ChatView.as_view(), name="ai-chat"),
    path("ai/execute", views.ExecuteView.as_view(), name="ai-execute"),
    path("ai/tools", views.ToolListView.as_view(), name="ai-tools"),
    path("ai/conversations", views.ConversationListView.as_view(), name="ai-conversation-list"),
    path(
        "ai/conversations/<uuid:conversation_id>",
        views.ConversationDetailView.as_view(),
        name="ai-conversation-detail",
    ),
]

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "apps.assessment"
    label = "assessment"
    verbose_name = "Assessment"

    def ready(self) -> None:
        from apps.assessment import repositories
        from deltalabs import dashboard

        dashboard.register_number(
            "ungraded_submissions",
            "Submissions awaiting grading",
            lambda now: repositories.submissions_awaiting_grading_count(),
            order=50,
        )

"""The assistant's tools, one module per domain; see ``registry`` for the contract.

``REGISTRY`` holds every tool in a fixed order. A domain whose services have
not landed contributes no module here (no stubs).
"""

from apps.ai_orchestration.tools import assessment, catalog, commerce, labs, learning, orders
from apps.ai_orchestration.tools.registry import (
    Tool,
    ToolArguments,
    ToolOutcome,
    ToolRegistry,
    run_tool,
    validate_arguments,
)

REGISTRY = ToolRegistry(
    [*catalog.TOOLS, *learning.TOOLS, *assessment.TOOLS, *labs.TOOLS, *commerce.TOOLS, *orders.TOOLS]
)

__all__ = ["REGISTRY", "Tool", "ToolArguments", "ToolOutcome", "ToolRegistry", "run_tool", "validate_arguments"]

"""HTTP routes of budgets: programme managers set and read them."""

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from grants.awards.budgets import service
from grants.awards.budgets.schemas import BudgetOverview, BudgetSet
from grants.context import UserContext
from grants.http.guards import BEARER, MANAGERS


class BudgetController(Controller):
    path = "/api/programmes/{guideline_id:str}/budgets"
    tags = ["awards"]
    security = BEARER
    guards = [MANAGERS]

    @get(
        operation_id="getBudgets",
        summary="Budgets per level and fiscal year with committed, paid, open and free",
    )
    async def overview(
        self, guideline_id: FromPath[str], context: NamedDependency[UserContext]
    ) -> BudgetOverview:
        return await service.budget_overview(context, guideline_id)

    @put(
        operation_id="setBudget",
        summary="Set one level's cash appropriation and commitment authorisation for a fiscal "
        "year, with a reason (never below what is committed or nested beneath it)",
    )
    async def set_budget(
        self,
        guideline_id: FromPath[str],
        data: JSONBody[BudgetSet],
        context: NamedDependency[UserContext],
    ) -> BudgetOverview:
        return await service.set_budget(context, guideline_id, data)


CONTROLLERS: list[type[Controller]] = [BudgetController]

"""The demo data set every emulator starts with: two spaces, their projects and datasets, and five
tasks that between them show every kind of run (project and dataset evaluations, an experiment,
a task whose runs fail). Tests, the sandbox and the docs refer to the tasks by these names.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from arize_mcp.api.models import Evaluator, QueryFilter, QueryFilters, QueryMapping, Task, TaskType
from arize_mcp.emulator.records import Dataset, Experiment, Project, Space, opaque_id, probing_id
from arize_mcp.emulator.store import Store

# Names of the seeded tasks: tests, the sandbox and docs refer to them.
HALLUCINATION = "Hallucination check"
CODE_EVAL = "JSON format check"
DATASET_EVAL = "QA correctness (golden set)"
EXPERIMENT = "Prompt v2 experiment"
FAILING = "Broken judge"
SEED_TASK_NAMES = (HALLUCINATION, CODE_EVAL, DATASET_EVAL, EXPERIMENT, FAILING)
BASELINE_EXPERIMENT = "baseline"  # already exists in EXPERIMENT's dataset: reusing it is a 409
SUPPORT_SPACE = "Customer support"
DATA_SPACE = "Data platform"

USER_ID = "VXNlcjoxOm5OYkM="
ORGANIZATION_ID = opaque_id("Organization", 1)
FAILING_REASON = (
    "Evaluator 'Relevance (gpt-4o judge)' failed: its model endpoint returned HTTP 503 Service "
    "Unavailable for 20 consecutive requests, so the run was stopped."
)

_SPACES = (Space(opaque_id("Space", 1), SUPPORT_SPACE), Space(opaque_id("Space", 2), DATA_SPACE))
_PROJECTS = (
    Project(opaque_id("Project", 1), "support-bot", _SPACES[0].id),
    Project(opaque_id("Project", 2), "sql-agent", _SPACES[1].id),
)
# The hallucination task's id contains "/", "+" and "=", so path encoding is exercised by the
# task every walkthrough starts with.
_HALLUCINATION_ID = probing_id("OnlineTask", 100)


def new_store(now: datetime, *, demo_tasks: bool = True) -> Store:
    """A store with the demo spaces and projects, and, with `demo_tasks`, the demo datasets and tasks."""
    store = Store(_SPACES, _PROJECTS, USER_ID)
    if demo_tasks:
        seed_demo_data(store, now)
    return store


def seed_demo_data(store: Store, now: datetime) -> None:
    """Two spaces, a project-based and a dataset-based evaluation, an experiment, a failing task.

    No runs are seeded: a task's run list holds exactly the runs triggered against this instance.
    """
    support, data = _SPACES
    support_bot, sql_agent = _PROJECTS
    golden = _golden_qa_dataset(store, support.id)
    questions = _support_questions_dataset(store, support.id)
    two_hours_ago = now - timedelta(hours=2)
    common = {
        "created_at": now - timedelta(days=60),
        "updated_at": now - timedelta(days=3),
        "created_by_user_id": USER_ID,
    }
    span_columns = {"input": "attributes.input.value", "output": "attributes.output.value"}

    store.add_task(
        Task(
            id=_HALLUCINATION_ID,
            name=HALLUCINATION,
            type=TaskType.TEMPLATE_EVALUATION,
            space_id=support.id,
            project_id=support_bot.id,
            sampling_rate=0.25,
            is_continuous=False,
            evaluators=[
                _evaluator(store, "Hallucination", {**span_columns, "reference": "attributes.retrieval.documents"})
            ],
            last_run_at=two_hours_ago,
            **common,
        )
    )

    store.add_task(
        Task(
            id=store.new_id("OnlineTask"),
            name=CODE_EVAL,
            type=TaskType.CODE_EVALUATION,
            space_id=data.id,
            project_id=sql_agent.id,
            sampling_rate=1.0,
            is_continuous=False,
            query_filter="attributes.llm.output_messages IS NOT NULL",
            evaluators=[_evaluator(store, "json_parseable", {"output": "attributes.output.value"})],
            **common,
        )
    )

    store.add_task(
        Task(
            id=store.new_id("OnlineTask"),
            name=DATASET_EVAL,
            type=TaskType.TEMPLATE_EVALUATION,
            space_id=support.id,
            dataset_id=golden.id,
            evaluators=[
                _evaluator(
                    store,
                    "QA correctness",
                    {"input": "example.input", "output": "output", "reference": "example.expected_output"},
                )
            ],
            # The third experiment of the dataset is left out, to be picked with experiment_ids.
            experiment_ids=[experiment.id for experiment in golden.experiments[:2]],
            **common,
        )
    )

    store.add_task(
        Task(
            id=store.new_id("OnlineTask"),
            name=EXPERIMENT,
            type=TaskType.RUN_EXPERIMENT,
            space_id=support.id,
            dataset_id=questions.id,
            # A oneOf chosen by experiment_type, flat, as the API serves it.
            run_configuration={
                "experiment_type": "LLM_GENERATION",
                "ai_integration_id": opaque_id("AiIntegration", 1),
                "model_name": "gpt-4o-mini",
                "messages": [
                    {"role": "SYSTEM", "content": "Answer the customer's question in two sentences."},
                    {"role": "USER", "content": "{{question}}"},
                ],
                "input_variable_format": "MUSTACHE",
                "invocation_parameters": {"temperature": 0.2},
                "provider_parameters": {},
                "prompt_version_id": opaque_id("PromptVersion", 2),
            },
            **common,
        )
    )

    store.add_task(
        Task(
            id=store.new_id("OnlineTask"),
            name=FAILING,
            type=TaskType.TEMPLATE_EVALUATION,
            space_id=support.id,
            project_id=support_bot.id,
            sampling_rate=0.1,
            is_continuous=False,
            # Trace-level: named query filters and per-evaluator query mappings, not span columns.
            query_filters=QueryFilters(
                filters=[
                    QueryFilter(id="A", filter="attributes.openinference.span.kind = 'LLM'"),
                    QueryFilter(id="B", filter="attributes.session.id IS NOT NULL"),
                ],
                expression="A AND B",
            ),
            evaluators=[
                Evaluator(
                    evaluator_id=store.new_id("Evaluator"),
                    evaluator_name="Relevance (gpt-4o judge)",
                    evaluator_version_id=store.new_id("EvaluatorVersion"),
                    query_mappings=[
                        QueryMapping(variable_name="input", query_ids=["A"], attribute_path="attributes.input.value"),
                        QueryMapping(variable_name="output", query_ids=["A"], attribute_path="attributes.output.value"),
                    ],
                )
            ],
            last_run_at=two_hours_ago,
            **common,
        ),
        failure_reason=FAILING_REASON,
    )


def _evaluator(store: Store, name: str, column_mappings: dict[str, str]) -> Evaluator:
    return Evaluator(
        evaluator_id=store.new_id("Evaluator"),
        evaluator_name=name,
        evaluator_version_id=store.new_id("EvaluatorVersion"),
        column_mappings=column_mappings,
    )


def _golden_qa_dataset(store: Store, space_id: str) -> Dataset:
    examples = tuple(store.new_id("DatasetExample") for _ in range(25))
    experiments = [
        Experiment(store.new_id("Experiment"), name, len(examples))
        for name in ("gpt-4o answers", "claude-3.5 answers", "gpt-4o-mini answers")
    ]
    versions = {store.new_id("DatasetVersion"): examples}
    dataset = Dataset(store.new_id("Dataset"), "golden-qa", space_id, versions, experiments)
    store.add_dataset(dataset)
    return dataset


def _support_questions_dataset(store: Store, space_id: str) -> Dataset:
    # Version 1 held the first 32 questions; the latest holds all 40.
    examples = tuple(store.new_id("DatasetExample") for _ in range(40))
    versions = {store.new_id("DatasetVersion"): examples[:32], store.new_id("DatasetVersion"): examples}
    baseline = Experiment(store.new_id("Experiment"), BASELINE_EXPERIMENT, len(examples))
    dataset = Dataset(store.new_id("Dataset"), "support-questions", space_id, versions, [baseline])
    store.add_dataset(dataset)
    return dataset

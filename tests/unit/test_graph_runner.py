"""bot.graph_runner: the same results and errors as Rasa's DaskGraphRunner, on small graphs and the real model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import pytest
from rasa.core.channels import UserMessage
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from bot.graph_runner import SequentialGraphRunner

RUNNERS = [DaskGraphRunner, SequentialGraphRunner]


class Add(GraphComponent):
    """Adds its config's `x` to the sum of its inputs; records the order in which nodes ran."""

    calls: List[Text] = []

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Add:
        return cls(config)

    def run(self, **numbers: int) -> int:
        if self.config.get("fail"):
            raise ValueError("this node fails")
        Add.calls.append(self.config["name"])
        return sum(numbers.values()) + self.config["x"]


def node(name: str, x: int, needs: Dict[str, str], **config: Any) -> SchemaNode:
    return SchemaNode(
        needs=needs, uses=Add, constructor_name="create", fn="run", config={"name": name, "x": x, **config}, eager=True
    )


def diamond(**extra: Any) -> GraphSchema:
    """a <- input; b <- a; c <- a; d <- b, c; and e, which nothing needs."""
    return GraphSchema(
        {
            "a": node("a", 1, {"i": "__input__"}),
            "b": node("b", 10, {"i": "a"}),
            "c": node("c", 100, {"i": "a"}, **extra),
            "d": node("d", 1000, {"left": "b", "right": "c"}),
            "e": node("e", 5, {"i": "__input__"}),
        }
    )


def runner(cls: type, schema: GraphSchema, tmp_path: Path) -> Any:
    storage = LocalModelStorage(tmp_path)
    return cls.create(schema, storage, ExecutionContext(graph_schema=schema, model_id="test"))


@pytest.fixture(autouse=True)
def fresh_calls() -> None:
    Add.calls = []


@pytest.mark.parametrize("targets", [["d"], ["b", "c"], ["a"], ["d", "e"], None])
def test_same_outputs_as_dask(tmp_path, targets: Optional[List[str]]) -> None:
    outputs = []
    for cls in RUNNERS:
        Add.calls = []
        outputs.append(
            (runner(cls, diamond(), tmp_path).run(inputs={"__input__": 2}, targets=targets), sorted(Add.calls))
        )
    assert outputs[0] == outputs[1]
    if targets == ["d"]:
        assert outputs[1][0] == {"d": (2 + 1 + 10) + (2 + 1 + 100) + 1000}
        assert outputs[1][1] == ["a", "b", "c", "d"]  # each needed node once; e is not needed


def test_each_node_runs_after_what_it_needs(tmp_path) -> None:
    runner(SequentialGraphRunner, diamond(), tmp_path).run(inputs={"__input__": 0}, targets=["d"])
    assert Add.calls.index("a") < Add.calls.index("b") < Add.calls.index("d")
    assert Add.calls.index("a") < Add.calls.index("c") < Add.calls.index("d")


@pytest.mark.parametrize("cls", RUNNERS)
def test_a_missing_input_fails_the_same_way(tmp_path, cls) -> None:
    with pytest.raises(GraphRunError, match="Missing input to run node 'a'"):
        runner(cls, diamond(), tmp_path).run(inputs={}, targets=["d"])


@pytest.mark.parametrize("cls", RUNNERS)
def test_an_input_named_like_a_node_is_refused(tmp_path, cls) -> None:
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner(cls, diamond(), tmp_path).run(inputs={"__input__": "b"}, targets=["d"])


@pytest.mark.parametrize("cls", RUNNERS)
def test_a_failing_component_fails_the_same_way(tmp_path, cls) -> None:
    with pytest.raises(GraphComponentException, match="Error running graph component for node c"):
        runner(cls, diamond(fail=True), tmp_path).run(inputs={"__input__": 1}, targets=["d"])


def test_a_cycle_is_reported(tmp_path) -> None:
    schema = GraphSchema({"a": node("a", 1, {"i": "b"}), "b": node("b", 1, {"i": "a"})})
    with pytest.raises(GraphRunError, match="cycle"):
        runner(SequentialGraphRunner, schema, tmp_path).run(inputs={}, targets=["a"])


# --- the trained model ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["wat is jullie visie?", "how can I volunteer?", "is er een groep in 9090?", "tot ziens", "qsdf"]
)
async def test_the_model_parses_and_predicts_alike(trained_agent, text: str) -> None:
    processor = trained_agent.processor
    results = []
    for cls in RUNNERS:
        processor.graph_runner.__class__ = cls  # the same loaded nodes, run by each runner
        parsed = await processor.parse_message(UserMessage(text))
        tracker = await processor.fetch_tracker_and_update_session(f"runner-{cls.__name__}-{text}")
        await processor._handle_message_with_tracker(UserMessage(text, sender_id=tracker.sender_id), tracker)
        prediction = processor._predict_next_with_tracker(tracker)
        parsed.pop("message_id", None)
        results.append((parsed, prediction.max_confidence_index, prediction.policy_name))
    processor.graph_runner.__class__ = SequentialGraphRunner
    assert results[0] == results[1]

"""Runs a trained model's graph the way Rasa's `DaskGraphRunner` does, without dask's machinery.

Why: Rasa runs its prediction graph twice per message or more (once to parse, once per action to predict).
Each run, `DaskGraphRunner` re-derives the minimal sub-graph for the targets (a recursive walk with list
look-ups), rebuilds a dask task graph, formats its inputs, tracker included, into a debug message that is
then dropped, and hands everything to dask's local scheduler, which runs the nodes one after another in
this thread anyway. Under `make bench`'s load that was about a tenth of the server's CPU.

This runner keeps the same nodes (`GraphNode`, with their hooks, caching and error handling) and calls
them in dependency order; the order for each list of targets is computed once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

Step = Tuple[Text, Tuple[Text, ...]]  # a node, and the names whose outputs it takes, in order


class SequentialGraphRunner(DaskGraphRunner):
    """`DaskGraphRunner` with `run` done in plain Python: same inputs, same outputs, same errors."""

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        values: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                    f"names passed to the `run` method are the same as node names in the graph schema."
                )
            values[name] = (name, value)
        try:
            for node_name, needs in self._steps(run_targets):
                # Like dask: a name that nothing provides is passed as the bare name; the node reports it.
                values[node_name] = self._instantiated_nodes[node_name](*(values.get(n, n) for n in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        missing = [target for target in run_targets if target not in values]
        if missing:
            raise GraphRunError(f"Targets {missing} are neither nodes of the graph nor inputs.")
        return dict(values[target] for target in run_targets)

    def _steps(self, targets: Tuple[Text, ...]) -> Sequence[Step]:
        cache: Dict[Tuple[Text, ...], Sequence[Step]] = self.__dict__.setdefault("_step_cache", {})
        steps = cache.get(targets)
        if steps is None:
            steps = cache[targets] = self._order(targets)
        return steps

    def _order(self, targets: Sequence[Text]) -> Sequence[Step]:
        """The nodes the targets need, each after the nodes it needs (depth first, as dask's get does)."""
        nodes = self._graph_schema.nodes
        steps: List[Step] = []
        done: Set[Text] = set()

        def visit(name: Text, path: Tuple[Text, ...]) -> None:
            if name in done or name not in nodes:  # not a node: an input, or a missing one
                return
            if name in path:
                raise GraphRunError(f"The graph has a cycle through '{name}'.")
            needs = tuple(nodes[name].needs.values())
            for need in needs:
                visit(need, path + (name,))
            done.add(name)
            steps.append((name, needs))

        for target in targets:
            visit(target, ())
        return steps

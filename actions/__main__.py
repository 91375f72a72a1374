"""`python -m actions`: the action server (:mod:`actions.server`, same arguments) without TensorFlow.

The actions never run TensorFlow, but spaCy's thinc imports it whenever it is installed (it is: the Rasa server
needs it), and that is about 290 MB of the action server's ~600 MB. Marking it absent before anything imports
spaCy makes thinc take its path without TensorFlow. Only in this process: the Rasa server, `rasa run actions`
and the tests import TensorFlow as before.
"""

import runpy
import sys

if __name__ == "__main__":  # rasa-sdk imports every module of the package when it registers the actions
    sys.modules.setdefault("tensorflow", None)  # type: ignore[assignment]
    runpy.run_module("actions.server", run_name="__main__", alter_sys=True)

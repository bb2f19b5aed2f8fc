"""nn: a small neural-network library on top of the ``autograd_engine`` Value.

>>> import random
>>> from nn import MLP
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])        # micrograd's network
>>> len(model.parameters())
337
>>> score = model([0.5, -1.0])          # one Value: the graph of the whole network
>>> score.backward()                    # d(score)/d(every weight)

Modules, one concern each:

* :mod:`.module`: ``Module`` (parameters, names, ``zero_grad``, state, save/load);
* :mod:`.layers`: ``Neuron``, ``Layer``, ``MLP``; :mod:`.rnn`: ``RNNCell``;
  :mod:`.gates`: ``LSTMCell``, ``GRUCell`` (PyTorch's gates and equations);
* :mod:`.activations` and :mod:`.init`: activations by name, weight initialisation;
* :mod:`.functional`: ``softmax``, ``log_softmax``, ``logsumexp``;
* :mod:`.losses`: ``mse_loss``, ``hinge_loss``, ``binary_cross_entropy_with_logits``,
  ``cross_entropy``;
* :mod:`.optim`: ``SGD``, ``Adam``, ``AdamW``;
* :mod:`.datasets`: two moons, circles, spirals, XOR, Iris, the 8x8 digits, splitting and
  batching;
* :mod:`.train`: ``fit`` and ``evaluate``; :mod:`.compiled`: the compiled step ``fit`` takes
  where it is safe; :mod:`.finite`: the checks that stop a diverging
  step before it changes the model;
* :mod:`.callbacks`: what ``fit`` calls back (progress bar, ``EarlyStopping``); :mod:`.watch`
  and :mod:`.network_view`: watching a network learn; :mod:`.playground`: a Jupyter panel;
* :mod:`.torch_export`: ``to_torch``, the same model as a ``torch.nn.Module``;
* :mod:`.demo`: ``python -m nn.demo``, micrograd's two-moons demo (``make demo``).

The engine never imports ``nn``; ``nn`` uses only the engine's public API.
"""

from .gates import GRUCell, LSTMCell
from .layers import MLP, Layer, Neuron
from .module import Module
from .rnn import RNNCell
from .torch_export import to_torch

__all__ = ["MLP", "GRUCell", "LSTMCell", "Layer", "Module", "Neuron", "RNNCell", "to_torch"]

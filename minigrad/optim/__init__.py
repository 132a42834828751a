"""Optimizers: update a model's parameters from their gradients.

    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
"""

from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]

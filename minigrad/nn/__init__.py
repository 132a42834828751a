"""Neural-network building blocks: `Module`, `Parameter`, layers, losses, `functional`, `init`.

    class TinyModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = torch.nn.Linear(1000, 100)
            self.relu = torch.nn.ReLU()
"""

from minigrad.nn import functional, init
from minigrad.nn.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from minigrad.nn.loss import CrossEntropyLoss, MSELoss
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter

__all__ = ["CrossEntropyLoss", "Linear", "MSELoss", "Module", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Tanh", "functional", "init"]

"""Runtimes of user model files (issue 15): ONNX through onnxruntime, TorchScript through ``torch.jit``.

* :mod:`models.runtime.onnx`: validate an ONNX file (parse, ``onnx.checker``, an onnxruntime session) and run it
  on CPU with a set thread count and deterministic kernels;
* :mod:`models.runtime.torchscript`: load a TorchScript archive on CPU and pick its output;
* :mod:`models.runtime.convert`: an ONNX graph (or a TorchScript module exported to ONNX) as a hookable
  ``nn.Module`` by onnx2torch, for gradient CAMs.

Every failure is one :class:`~models.runtime.errors.ModelFileError` with a message a user can act on.
"""

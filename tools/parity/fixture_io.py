"""
What the parity fixture generators (make_ctclip_fixture.py, make_merlin_fixture.py) share:
seeding, tensors as the numpy arrays the fixtures store, and a safetensors writer by hand (no
safetensors package needed). The output is byte-for-byte the same on every run with the same torch.
"""

import json
import struct

import numpy as np
import torch

DTYPES = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}


def seeded(seed):
    """Seed torch's global generator and return a separate generator with the same seed."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def numpy_of(tensor):
    """A tensor as the fixtures store it: integers as int64, everything else as float32."""
    value = tensor.detach().cpu().numpy()
    return value.astype(np.int64) if value.dtype.kind in "iu" else value.astype(np.float32)


def write_safetensors(path, tensors, metadata=None, sort_names=False):
    """The safetensors layout by hand: u64 header size, JSON header (space-padded), raw bytes.

    Tensors are written in the dict's order, or sorted by name with sort_names.
    """
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors) if sort_names else tensors:
        array = np.array(tensors[name], order="C")  # (ascontiguousarray would make a 0-d scalar 1-D)
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": DTYPES[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for data in blobs:
            handle.write(data)

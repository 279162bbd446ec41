#!/usr/bin/env python3
"""Write the small PyTorch checkpoint fixtures of tests/fixtures/torch/ (a few KB each).

Run from the repository root where PyTorch is installed (Debian's python3-torch is enough):

    /usr/bin/python3 tools/parity/make_torch_checkpoint_fixtures.py

It writes:
  state-dict.pt       a module's state_dict (OrderedDict with _metadata) plus f32/f16/bf16/f64/i64/
                      i32/i16/i8/u8/bool tensors, an nn.Parameter, a transposed and a strided view,
                      an expanded (stride 0) view, two tensors sharing one storage at different
                      offsets, a 0-d and an empty tensor
  wrapped.pt          {'state_dict': ..., 'epoch': 3, 'optimizer': {...}}
  ctclip-keys.pt      a CT-CLIP-like state dict with the stale text_transformer.embeddings.position_ids
  torch2-style.pt     hand-built like torch 2.x writes (.format_version, .storage_alignment, byteorder,
                      .data/serialization_id, 64-byte aligned records) with _rebuild_tensor_v3 on an
                      UntypedStorage and a dtype global
  big-endian.pt       state-dict.pt with byteorder 'big'
  legacy.pt           torch.save(..., _use_new_zipfile_serialization=False)
  whole-module.pt     torch.save(nn.Linear(2, 2)): a pickled module, not a state dict
  truncated.pt        the first 60% of state-dict.pt
  evil-*.pt           zips whose data.pkl (made with Python's pickle module) would run code: each
                      payload touches /tmp/ctvlm-torch-fixture-pwned-<name>; the script checks that
                      plain pickle.loads really does so, then removes the marker
  expected.json       every tensor's dtype, shape and values (flat, row-major) and the wrapper path
"""
import collections
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'fixtures', 'torch')
MARKER = '/tmp/ctvlm-torch-fixture-pwned-'

DTYPE_NAMES = {
    torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64',
    torch.int64: 'I64', torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8',
    torch.bool: 'BOOL',
}


def describe(state_dict):
    out = {}
    for name, tensor in state_dict.items():
        flat = tensor.detach().contiguous().reshape(-1)
        if tensor.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            values = [float(v) for v in flat.double().tolist()]
        else:
            values = [int(v) for v in flat.long().tolist()]
        out[name] = {'dtype': DTYPE_NAMES[tensor.dtype], 'shape': list(tensor.shape), 'values': values}
    return out


def state_dict_fixture():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model[1].num_batches_tracked.fill_(7)
    model[1].running_mean.copy_(torch.tensor([0.5, -1.25, 2.0]))
    sd = model.state_dict()  # OrderedDict with _metadata
    base = torch.arange(12, dtype=torch.float32) / 4
    grid = torch.arange(20, dtype=torch.float32).reshape(4, 5)
    sd['half'] = (torch.randn(2, 3) * 3).half()
    sd['bf16'] = torch.tensor([1.0, -2.5, 3.140625, 1e-3, 65504.0]).bfloat16()
    sd['double'] = torch.tensor([[1.0 / 3, -2.0], [1e-300, 12345.678901234]], dtype=torch.float64)
    sd['ints'] = torch.tensor([-(2 ** 40), -1, 0, 2 ** 40 + 3], dtype=torch.int64)
    sd['int32'] = torch.tensor([[-5, 7], [2 ** 31 - 1, -(2 ** 31)]], dtype=torch.int32)
    sd['int16'] = torch.tensor([-300, 300], dtype=torch.int16)
    sd['int8'] = torch.tensor([-128, 5, 127], dtype=torch.int8)
    sd['uint8'] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd['mask'] = torch.tensor([True, False, False, True])
    sd['param'] = nn.Parameter(torch.tensor([0.25, -0.75]))
    sd['transposed'] = torch.randn(3, 4).t()  # non-contiguous, stride (1, 4)
    sd['strided'] = grid[1:, ::2]  # offset 5, stride (5, 2)
    sd['expanded'] = torch.tensor([1.5, -2.5]).expand(3, 2)  # stride (0, 1)
    sd['shared_a'] = base[2:8].view(2, 3)  # one storage of 12 elements ...
    sd['shared_b'] = base[5:9]  # ... seen at offsets 2 and 5
    sd['scalar'] = torch.tensor(3.5)
    sd['empty'] = torch.zeros(0, 3)
    assert not sd['transposed'].is_contiguous() and not sd['strided'].is_contiguous()
    assert sd['shared_a'].storage().data_ptr() == sd['shared_b'].storage().data_ptr()
    return sd


def small_state_dict():
    torch.manual_seed(1)
    layer = nn.Linear(3, 2)
    return layer.state_dict()


def ctclip_keys():
    torch.manual_seed(2)
    return collections.OrderedDict([
        ('text_transformer.embeddings.position_ids', torch.arange(8).unsqueeze(0)),
        ('text_transformer.embeddings.word_embeddings.weight', torch.randn(10, 4)),
        ('to_text_latent.weight', torch.randn(3, 4)),
        ('temperature', torch.tensor(1.0)),
    ])


# ---- hand-built archives --------------------------------------------------------------------

def aligned_zip(path, records, alignment=64):
    """A STORED zip whose records start on `alignment` bytes, as torch's writer pads them."""
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_STORED) as archive:
        for name, data in records:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            offset = archive.fp.tell() + 30 + len(name.encode())
            pad = (-(offset + 4)) % alignment
            info.extra = struct.pack('<HH', 0x4246, pad) + b'Z' * pad  # 'FB' padding field, like torch
            archive.writestr(info, data)


def unicode_op(text):
    raw = text.encode()
    return b'X' + struct.pack('<I', len(raw)) + raw


def torch2_style():
    """_rebuild_tensor_v2 on torch.FloatStorage and _rebuild_tensor_v3 on an UntypedStorage, as torch 2.x writes."""
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, -5.5, 6.25]])
    b = torch.tensor([0.5, -1.0, 2048.0], dtype=torch.float16)
    p = b'\x80\x02' + b'ctorch._utils\n_rebuild_tensor_v2\nq\x00'
    p += b'ccollections\nOrderedDict\nq\x01)Rq\x02('
    # 'a': storage key '0', float32, 6 elements, offset 0, size (2,3), stride (3,1)
    p += unicode_op('a') + b'h\x00(' + b'(' + unicode_op('storage') + b'ctorch\nFloatStorage\nq\x03'
    p += unicode_op('0') + unicode_op('cpu') + b'K\x06tQ'
    p += b'K\x00K\x02K\x03\x86K\x03K\x01\x86\x89h\x01)RtR'
    # 'b': storage key '1', UntypedStorage of 6 bytes, rebuilt as float16 through _rebuild_tensor_v3
    p += unicode_op('b') + b'ctorch._utils\n_rebuild_tensor_v3\n('
    p += b'(' + unicode_op('storage') + b'ctorch.storage\nUntypedStorage\n' + unicode_op('1') + unicode_op('cpu') + b'K\x06tQ'
    p += b'K\x00K\x03\x85K\x01\x85\x89h\x01)Rctorch\nfloat16\ntR'
    p += b'u.'
    loaded = pickle_loads_restricted_check(p)
    assert list(loaded.keys()) == ['a', 'b'], loaded
    records = [
        ('archive/data.pkl', p),
        ('archive/.format_version', b'1'),
        ('archive/.storage_alignment', b'64'),
        ('archive/byteorder', b'little'),
        ('archive/data/0', a.numpy().tobytes()),
        ('archive/data/1', b.numpy().tobytes()),
        ('archive/version', b'3\n'),
        ('archive/.data/version', b'3\n'),
        ('archive/.data/serialization_id', b'1234567890123456789012345678901234567890'),
    ]
    aligned_zip(os.path.join(OUT, 'torch2-style.pt'), records)
    return collections.OrderedDict([('a', a), ('b', b)])


def pickle_loads_restricted_check(data):
    """Python's own reading of a hand-built pickle, with storages resolved to placeholders."""

    class Loader(pickle.Unpickler):
        def persistent_load(self, pid):
            return pid

        def find_class(self, module, name):
            if module == 'torch._utils':
                return lambda *args: ('tensor', args)
            if module == 'torch':
                return name
            return super().find_class(module, name)

    return Loader(io.BytesIO(data)).load()


class EvalPayload:
    def __reduce__(self):
        return (eval, (f"__import__('os').system('touch {MARKER}eval')",))


class EvilPayload:
    """An arbitrary class: pickled with NEWOBJ (protocol 2); its __setstate__ runs on BUILD."""

    def __init__(self):
        self.armed = True

    def __setstate__(self, state):
        os.system(f'touch {MARKER}newobj')


class StateDictPayload:
    def __reduce__(self):
        return (os.system, (f'touch {MARKER}state-dict',))  # pickled as posix.system on Linux


def evil_pickles():
    os_system = b'\x80\x02cos\nsystem\nq\x00' + unicode_op(f'touch {MARKER}os-system') + b'\x85q\x01R.'
    eval_p4 = pickle.dumps(EvalPayload(), protocol=4)
    assert b'\x93' in eval_p4 and b'builtins' in eval_p4, 'expected STACK_GLOBAL builtins.eval'
    newobj = pickle.dumps(EvilPayload(), protocol=2)
    assert b'\x81' in newobj and b'b' in newobj and b'c__main__\nEvilPayload' in newobj, 'expected GLOBAL + NEWOBJ'
    return {'os-system': os_system, 'eval': eval_p4, 'newobj': newobj}


def check_payload_runs(name, data):
    """Plain pickle really runs the payload: the refusal tests are about something real."""
    marker = MARKER + name
    if os.path.exists(marker):
        os.remove(marker)
    pickle.loads(data)
    if not os.path.exists(marker):
        sys.exit(f'payload {name} did not create {marker} under plain pickle')
    os.remove(marker)


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    sd = state_dict_fixture()
    torch.save(sd, os.path.join(OUT, 'state-dict.pt'))
    expected['state-dict.pt'] = {'wrapperPath': [], 'tensors': describe(sd)}

    inner = small_state_dict()
    torch.save({'state_dict': inner, 'epoch': 3, 'optimizer': {'lr': 0.1}}, os.path.join(OUT, 'wrapped.pt'))
    expected['wrapped.pt'] = {'wrapperPath': ['state_dict'], 'tensors': describe(inner)}

    keys = ctclip_keys()
    torch.save(keys, os.path.join(OUT, 'ctclip-keys.pt'))
    expected['ctclip-keys.pt'] = {'wrapperPath': [], 'tensors': describe(keys)}

    expected['torch2-style.pt'] = {'wrapperPath': [], 'tensors': describe(torch2_style())}

    torch.save(inner, os.path.join(OUT, 'legacy.pt'), _use_new_zipfile_serialization=False)

    with open(os.path.join(OUT, 'state-dict.pt'), 'rb') as f:
        whole = f.read()
    with open(os.path.join(OUT, 'truncated.pt'), 'wb') as f:
        f.write(whole[: int(len(whole) * 0.6)])

    with zipfile.ZipFile(os.path.join(OUT, 'wrapped.pt')) as source:
        records = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    prefix = records[0][0].split('/')[0]
    aligned_zip(os.path.join(OUT, 'big-endian.pt'), records + [(f'{prefix}/byteorder', b'big')])

    for name, data in evil_pickles().items():
        check_payload_runs(name, data)
        aligned_zip(os.path.join(OUT, f'evil-{name}.pt'), [('evil/data.pkl', data), ('evil/version', b'3\n')])

    # A real torch.save whose state dict hides a payload after a valid tensor.
    torch.save(collections.OrderedDict([('weight', torch.ones(2)), ('hook', StateDictPayload())]),
               os.path.join(OUT, 'evil-state-dict.pt'))
    # A whole pickled module (not a state dict): its class is a global like any other.
    torch.save(nn.Linear(2, 2), os.path.join(OUT, 'whole-module.pt'))

    with zipfile.ZipFile(os.path.join(OUT, 'evil-state-dict.pt')) as archive:
        data_pkl = [n for n in archive.namelist() if n.endswith('/data.pkl')][0]
        assert b'cposix\nsystem' in archive.read(data_pkl)

    expected_json = os.path.join(OUT, 'expected.json')
    with open(expected_json, 'w') as f:
        json.dump({'torch': torch.__version__, 'files': expected}, f, indent=2)
        f.write('\n')
    # The repository's formatter has the last word on JSON layout (`npm run lint` checks it).
    subprocess.run(['npx', 'prettier', '--write', expected_json], check=False, capture_output=True)
    for name in sorted(os.listdir(OUT)):
        print(f'{name:22} {os.path.getsize(os.path.join(OUT, name)):8} bytes')


if __name__ == '__main__':
    main()

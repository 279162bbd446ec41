#!/usr/bin/env python3
"""Write the model-import fixtures of tests/fixtures/foundation/ from the parity fixtures.

Run from the repository root where PyTorch is installed (Debian's python3-torch is enough):

    /usr/bin/python3 tools/parity/make_foundation_import_fixtures.py

It writes:
  ctclip-small.pt     tests/fixtures/parity/ctclip-small/model.safetensors as torch.save writes a
                      state dict (as CT-CLIP_v2.pt is: a plain OrderedDict, with its stale
                      text_transformer.embeddings.position_ids)
  merlin-small.pt     tests/fixtures/parity/merlin-small/model.safetensors wrapped as a Lightning-style
                      {'state_dict': ..., 'epoch': 99}, num_batches_tracked as int64
  ctclip-small-config.json, merlin-small-config.json
                      the parity models' sizes in the Hugging Face style `ctvlm model import --config` reads
  ctclip-tokenizer/   a 64-line vocab.txt (CXR-BERT's format) in which "No focal lung nodule is seen."
                      gives the parity fixture's first input_ids row: [CLS]=37 ... [SEP]=46
  merlin-tokenizer/   a 50-token byte-level BPE (vocab.json + merges.txt, Clinical-Longformer's format,
                      add_prefix_space) in which "A B C D E F B G H" and "I J K L A F" give the parity
                      fixture's two input_ids rows (<s>=0, <pad>=1, </s>=2)
The tensors are the parity fixtures' own, so the embeddings of an imported .pt must match the
parity fixtures' expected outputs exactly as the .safetensors do.
"""
import collections
import json
import os
import struct

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PARITY = os.path.join(ROOT, 'tests', 'fixtures', 'parity')
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'foundation')

DTYPES = {'F32': np.float32, 'I64': np.int64, 'F64': np.float64, 'I32': np.int32}


def read_safetensors(path):
    """A safetensors file as an ordered dict of torch tensors (no safetensors package needed)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    base = 8 + n
    tensors = collections.OrderedDict()
    for name, entry in sorted(header.items(), key=lambda item: item[1]['data_offsets'][0]):
        begin, end = entry['data_offsets']
        array = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[entry['dtype']]).reshape(entry['shape'])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def main():
    os.makedirs(OUT, exist_ok=True)
    ctclip = read_safetensors(os.path.join(PARITY, 'ctclip-small', 'model.safetensors'))
    assert 'text_transformer.embeddings.position_ids' in ctclip
    torch.save(ctclip, os.path.join(OUT, 'ctclip-small.pt'))
    merlin = read_safetensors(os.path.join(PARITY, 'merlin-small', 'model.safetensors'))
    torch.save({'state_dict': merlin, 'epoch': 99}, os.path.join(OUT, 'merlin-small.pt'))
    for name in ('ctclip-small.pt', 'merlin-small.pt'):
        loaded = torch.load(os.path.join(OUT, name), map_location='cpu')
        loaded = loaded.get('state_dict', loaded)
        source = ctclip if name.startswith('ctclip') else merlin
        assert all(torch.equal(loaded[k], v) for k, v in source.items()), name
    write_configs()
    write_tokenizers()
    print('wrote', OUT)


def write_json(path, value):
    with open(path, 'w') as f:
        json.dump(value, f, indent=2)
        f.write('\n')


def write_configs():
    ctclip = json.load(open(os.path.join(PARITY, 'ctclip-small', 'config.json')))['config']
    image, text = ctclip['image'], ctclip['text']
    write_json(os.path.join(OUT, 'ctclip-small-config.json'), {
        'architecture': 'ctclip',
        'name': ctclip['name'],
        'text_config': {
            'model_type': 'bert', 'vocab_size': text['vocabSize'], 'hidden_size': text['hiddenSize'],
            'num_hidden_layers': text['layers'], 'num_attention_heads': text['heads'],
            'intermediate_size': text['intermediateSize'], 'max_position_embeddings': text['maxPositions'],
            'type_vocab_size': 2, 'hidden_act': 'gelu', 'layer_norm_eps': 1e-12,
            'position_embedding_type': 'absolute', 'hidden_dropout_prob': 0.1,
        },
        'vision_config': {
            'dim': image['dim'], 'codebook_size': image['codebookSize'], 'image_size': image['imageSize'],
            'patch_size': image['patchSize'], 'temporal_patch_size': image['temporalPatchSize'],
            'spatial_depth': image['spatialDepth'], 'temporal_depth': image['temporalDepth'],
            'dim_head': image['dimHead'], 'heads': image['heads'],
        },
        'projection_dim': ctclip['latentDim'],
    })
    merlin = json.load(open(os.path.join(PARITY, 'merlin-small', 'config.json')))['config']
    image, text = merlin['image'], merlin['text']
    write_json(os.path.join(OUT, 'merlin-small-config.json'), {
        'architecture': 'merlin',
        'name': merlin['name'],
        'text_config': {
            'model_type': 'longformer', 'vocab_size': text['vocabSize'], 'hidden_size': text['hiddenSize'],
            'num_hidden_layers': text['layers'], 'num_attention_heads': text['heads'],
            'intermediate_size': text['intermediateSize'], 'max_position_embeddings': text['maxPositions'],
            'type_vocab_size': text['typeVocabSize'], 'attention_window': [text['attentionWindow']] * text['layers'],
            'pad_token_id': text['padTokenId'], 'layer_norm_eps': text['layerNormEps'], 'hidden_act': 'gelu',
            'hidden_dropout_prob': text['dropout'],
        },
        'vision_config': {
            'stem_channels': image['stemChannels'], 'widths': image['widths'], 'blocks': image['blocks'],
            'num_classes': image['classes'],
        },
        'projection_dim': merlin['embedDim'],
        'max_length': text['maxLength'],
    })


CTCLIP_WORDS = {21: 'no', 34: 'focal', 17: 'lung', 32: 'nodule', 19: 'is', 61: 'seen'}
MERLIN_WORDS = {40: 'a', 38: 'b', 31: 'c', 36: 'd', 33: 'e', 19: 'f', 49: 'g', 22: 'h', 6: 'i', 47: 'j', 27: 'k', 11: 'l'}


def write_tokenizers():
    folder = os.path.join(OUT, 'ctclip-tokenizer')
    os.makedirs(folder, exist_ok=True)
    special = {0: '[PAD]', 1: '[UNK]', 2: '[MASK]', 37: '[CLS]', 46: '[SEP]', 3: '.', 4: ','}
    lines = [special.get(i) or CTCLIP_WORDS.get(i) or f'w{i}' for i in range(64)]
    with open(os.path.join(folder, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    write_json(os.path.join(folder, 'tokenizer_config.json'), {'do_lower_case': True, 'model_max_length': 512})

    folder = os.path.join(OUT, 'merlin-tokenizer')
    os.makedirs(folder, exist_ok=True)
    vocab = {'<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, '<mask>': 4}
    for i, word in MERLIN_WORDS.items():
        vocab['\u0120' + word] = i
    free = [i for i in range(50) if i not in vocab.values()]
    for token in ['\u0120'] + sorted(MERLIN_WORDS.values()):
        vocab[token] = free.pop(0)
    for i, token_id in enumerate(free):
        vocab[f'x{i}'] = token_id
    assert sorted(vocab.values()) == list(range(50))
    write_json(os.path.join(folder, 'vocab.json'), vocab)
    with open(os.path.join(folder, 'merges.txt'), 'w') as f:
        f.write('#version: 0.2\n' + ''.join(f'\u0120 {w}\n' for w in sorted(MERLIN_WORDS.values())))
    write_json(os.path.join(folder, 'tokenizer_config.json'), {'add_prefix_space': True, 'model_max_length': 4096})


if __name__ == '__main__':
    main()

"""
A small, faithful PyTorch reference of Merlin's forward pass (StanfordMIMI/Merlin,
merlin/models/{build,i3res}.py, with Clinical-Longformer as Hugging Face's LongformerModel runs it),
written for the parity test of the TypeScript model. Module and parameter names are the released
checkpoint's, so `Merlin(...).state_dict()` has the keys of
i3_resnet_clinical_longformer_best_clip_*.pt, at any size.

Only torch is needed (no torchvision, transformers or einops): the I3ResNet is built directly in
its inflated form, and the Longformer self-attention is written as its definition, query by
query: a non-global token attends to the keys within attention_window / 2 on either side plus the
global tokens (local query/key/value projections), a global token attends to every token through
query_global/key_global/value_global, padding keys are never attended and padding queries get no
attention. The input is padded to a multiple of the attention window first, as LongformerModel
does. The TypeScript model computes the same sets with dense masks instead, so this is an
independent check of the windowing.
"""

import math

import torch
from torch import nn


# ----------------------------------------------------------------------------- image encoder


class Bottleneck3d(nn.Module):
    expansion = 4

    def __init__(self, in_channels, width, stride):
        super().__init__()
        out = width * self.expansion
        self.conv1 = nn.Conv3d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(width)
        self.conv2 = nn.Conv3d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(width)
        self.conv3 = nn.Conv3d(width, out, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(out)
        self.relu = nn.ReLU()
        if stride != 1 or in_channels != out:
            self.downsample = nn.Sequential(
                nn.Conv3d(in_channels, out, 1, stride=stride, bias=False), nn.BatchNorm3d(out)
            )
        else:
            self.downsample = None

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class I3ResNet(nn.Module):
    """Merlin's I3ResNet with conv_class=True (contrastive_head and classifier)."""

    def __init__(self, stem_channels, widths, blocks, classes, embed_dim):
        super().__init__()
        self.conv1 = nn.Conv3d(3, stem_channels, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False)
        self.bn1 = nn.BatchNorm3d(stem_channels)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool3d((3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1))
        channels = stem_channels
        for stage, (width, count) in enumerate(zip(widths, blocks)):
            layers = []
            for b in range(count):
                stride = 2 if (b == 0 and stage > 0) else 1
                layers.append(Bottleneck3d(channels, width, stride))
                channels = width * Bottleneck3d.expansion
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.classifier = nn.Conv3d(channels, classes, (1, 1, 1), bias=True)
        self.contrastive_head = nn.Conv3d(channels, embed_dim, (1, 1, 1), bias=True)

    def forward(self, x):
        # (B, 1, X, Y, Z) -> (B, 1, Z, X, Y), channel repeated 3x
        x = x.permute(0, 1, 4, 2, 3)
        x = torch.cat((x, x, x), dim=1)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        features = self.avgpool(x)
        ehr = self.classifier(features).squeeze(3).squeeze(3).mean(2)
        contrastive = self.contrastive_head(features).squeeze(3).squeeze(3).mean(2)
        return contrastive, ehr


class ImageEncoder(nn.Module):
    def __init__(self, image, embed_dim):
        super().__init__()
        self.i3_resnet = I3ResNet(image["stemChannels"], image["widths"], image["blocks"], image["classes"], embed_dim)

    def forward(self, image):
        return self.i3_resnet(image)


# ----------------------------------------------------------------------------- Longformer


class LongformerEmbeddings(nn.Module):
    def __init__(self, text):
        super().__init__()
        hidden = text["hiddenSize"]
        self.padding_idx = text["padTokenId"]
        self.word_embeddings = nn.Embedding(text["vocabSize"], hidden, padding_idx=self.padding_idx)
        self.position_embeddings = nn.Embedding(text["maxPositions"], hidden, padding_idx=self.padding_idx)
        self.token_type_embeddings = nn.Embedding(text["typeVocabSize"], hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=text["layerNormEps"])

    def forward(self, input_ids):
        # RoBERTa positions: padding_idx + 1, + 2, ... for real tokens, padding_idx for padding
        real = (input_ids != self.padding_idx).long()
        positions = torch.cumsum(real, dim=1) * real + self.padding_idx
        types = torch.zeros_like(input_ids)
        summed = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings(types)
        return self.LayerNorm(summed)


class LongformerSelfAttention(nn.Module):
    def __init__(self, text):
        super().__init__()
        hidden = text["hiddenSize"]
        self.num_heads = text["heads"]
        self.head_dim = hidden // self.num_heads
        self.one_sided = text["attentionWindow"] // 2
        for name in ("query", "key", "value", "query_global", "key_global", "value_global"):
            setattr(self, name, nn.Linear(hidden, hidden))

    def _split(self, x):
        return x.view(x.shape[0], self.num_heads, self.head_dim)  # (T, H, dh)

    def forward(self, hidden, is_real, is_global):
        """hidden (B, T, D); is_real, is_global (B, T) bool -> context (B, T, D)."""
        batch, tokens, dim = hidden.shape
        scale = 1.0 / math.sqrt(self.head_dim)
        out = torch.zeros(batch, tokens, self.num_heads, self.head_dim, dtype=hidden.dtype)
        for b in range(batch):
            h = hidden[b]
            q, k, v = (self._split(p(h)) for p in (self.query, self.key, self.value))
            qg, kg, vg = (self._split(p(h)) for p in (self.query_global, self.key_global, self.value_global))
            for i in range(tokens):
                if not is_real[b, i]:
                    continue  # padding queries get no attention (their weights are zeroed)
                if is_global[b, i]:
                    keys = [j for j in range(tokens) if is_real[b, j]]
                    query, key, value = qg[i], kg[keys], vg[keys]
                else:
                    keys = [j for j in range(tokens) if is_real[b, j] and is_global[b, j]]
                    keys += [
                        j
                        for j in range(max(0, i - self.one_sided), min(tokens, i + self.one_sided + 1))
                        if is_real[b, j] and not is_global[b, j]
                    ]
                    query, key, value = q[i], k[keys], v[keys]
                # query (H, dh), key/value (K, H, dh)
                scores = torch.einsum("hd,khd->hk", query * scale, key)
                probs = torch.softmax(scores, dim=-1)
                out[b, i] = torch.einsum("hk,khd->hd", probs, value)
        return out.reshape(batch, tokens, dim)


class ResidualOutput(nn.Module):
    """BERT's SelfOutput / Output: LayerNorm(dense(x) + residual)."""

    def __init__(self, in_features, out_features, eps):
        super().__init__()
        self.dense = nn.Linear(in_features, out_features)
        self.LayerNorm = nn.LayerNorm(out_features, eps=eps)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class LongformerAttention(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.self = LongformerSelfAttention(text)
        self.output = ResidualOutput(text["hiddenSize"], text["hiddenSize"], text["layerNormEps"])

    def forward(self, hidden, is_real, is_global):
        return self.output(self.self(hidden, is_real, is_global), hidden)


class Intermediate(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.dense = nn.Linear(text["hiddenSize"], text["intermediateSize"])

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))  # exact (erf) GELU


class LongformerLayer(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.attention = LongformerAttention(text)
        self.intermediate = Intermediate(text)
        self.output = ResidualOutput(text["intermediateSize"], text["hiddenSize"], text["layerNormEps"])

    def forward(self, hidden, is_real, is_global):
        attended = self.attention(hidden, is_real, is_global)
        return self.output(self.intermediate(attended), attended)


class LongformerEncoder(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.layer = nn.ModuleList([LongformerLayer(text) for _ in range(text["layers"])])


class Pooler(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)


class LongformerModel(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.window = text["attentionWindow"]
        self.pad_token_id = text["padTokenId"]
        self.embeddings = LongformerEmbeddings(text)
        self.encoder = LongformerEncoder(text)
        self.pooler = Pooler(text["hiddenSize"])

    def forward(self, input_ids, attention_mask, global_attention_mask=None):
        """Last hidden states (B, T, D) for the unpadded length T."""
        batch, tokens = input_ids.shape
        if global_attention_mask is None:
            global_attention_mask = torch.zeros_like(input_ids)
        pad = (self.window - tokens % self.window) % self.window
        if pad:
            input_ids = nn.functional.pad(input_ids, (0, pad), value=self.pad_token_id)
            attention_mask = nn.functional.pad(attention_mask, (0, pad), value=0)
            global_attention_mask = nn.functional.pad(global_attention_mask, (0, pad), value=0)
        is_real = attention_mask != 0
        is_global = (global_attention_mask != 0) & is_real
        hidden = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            hidden = layer(hidden, is_real, is_global)
        return hidden[:, :tokens]


class TextEncoder(nn.Module):
    def __init__(self, text, embed_dim):
        super().__init__()
        self.text_encoder = LongformerModel(text)
        self.linear_layer = nn.Linear(text["hiddenSize"], embed_dim)

    def forward(self, input_ids, attention_mask, global_attention_mask=None):
        hidden = self.text_encoder(input_ids, attention_mask, global_attention_mask)
        return self.linear_layer(hidden[:, 0, :])


# ----------------------------------------------------------------------------- Merlin


class Merlin(nn.Module):
    """MerlinArchitecture: L2-normalised image and text embeddings, the phecode logits, logit_scale."""

    def __init__(self, config):
        super().__init__()
        self.encode_image = ImageEncoder(config["image"], config["embedDim"])
        self.encode_text = TextEncoder(config["text"], config["embedDim"])
        self.logit_scale = nn.Parameter(torch.ones([]))

    def forward(self, image, input_ids, attention_mask, global_attention_mask=None):
        image_features, ehr_features = self.encode_image(image)
        text_features = self.encode_text(input_ids, attention_mask, global_attention_mask)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        return image_features, ehr_features, text_features

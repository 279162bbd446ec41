"""
A small, faithful PyTorch reimplementation of CT-CLIP's inference path (CTViT image encoder with
the vector-quantiser lookup, a Hugging Face style BERT text encoder, the latent projections and
the temperature), written from the reference code's maths with the reference's module names, so
`state_dict()` has the same keys as a released CT-CLIP checkpoint:

- CTViT: transformer_maskgit/ctvit.py + attention.py (ibrahimethemhamamci/CT-CLIP), with the
  vector quantiser of vector-quantize-pytorch 1.1.2 (the version CT-CLIP pins;
  `use_cosine_sim=True`, one codebook, no projection).
- BERT: transformers 4.30's BertModel (post-LayerNorm, exact GELU, pooler), with the persistent
  `embeddings.position_ids` buffer that CT-CLIP_v2.pt carries.
- CTCLIP: CT_CLIP/ct_clip/ct_clip.py as CT-CLIP builds it (`extra_latent_projection=False`, but
  the `_extra` copies exist in the state dict; `use_all_token_embeds=False`).

Only the forward pass used for embeddings is here (no decoder, losses, GAN, training updates of
the codebook). Needs only torch (no einops: the rearranges are written as reshape/permute).
Run with a Python that has torch, e.g. Debian's /usr/bin/python3 with python3-torch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def l2norm(t):
    return F.normalize(t, dim=-1)


# ---------------------------------------------------------------- CTViT building blocks


class GammaLayerNorm(nn.Module):
    """attention.py's LayerNorm: a learned `gamma`, a `beta` buffer (zeros), eps 1e-5."""

    def __init__(self, dim):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(dim))
        self.register_buffer("beta", torch.zeros(dim))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.gamma, self.beta)


class GEGLU(nn.Module):
    def forward(self, x):
        half = x.shape[-1] // 2
        value, gate = x[..., :half], x[..., half:]
        return F.gelu(gate) * value


def feed_forward(dim, mult=4, dropout=0.0):
    inner = int(mult * (2 / 3) * dim)
    return nn.Sequential(
        nn.LayerNorm(dim),
        nn.Linear(dim, inner * 2, bias=False),
        GEGLU(),
        nn.Dropout(dropout),
        nn.Linear(inner, dim, bias=False),
    )


class PEG(nn.Module):
    """Depthwise 3x3x3 conv over the (t, h, w) token grid; causal padding (2, 0) on t."""

    def __init__(self, dim, causal=True):
        super().__init__()
        self.causal = causal
        self.dsconv = nn.Conv3d(dim, dim, 3, groups=dim)

    def forward(self, x, shape):
        orig_shape = x.shape
        # Like the reference: reshape the token tensor's memory to (b, t, h, w, d) whatever its
        # logical order (in the temporal stack this scrambles the grid, and so does the reference).
        x = x.reshape(*shape, -1)
        x = x.permute(0, 4, 1, 2, 3)
        front = (2, 0) if self.causal else (1, 1)
        x = F.pad(x, (1, 1, 1, 1, *front), value=0.0)
        x = self.dsconv(x)
        x = x.permute(0, 2, 3, 4, 1)
        return x.reshape(orig_shape)


class Attention(nn.Module):
    """Cosine-similarity attention: q from the normed input, k and v from the raw input."""

    def __init__(self, dim, dim_head=64, heads=8, num_null_kv=0, dropout=0.0, scale=8):
        super().__init__()
        self.heads = heads
        self.scale = scale
        inner = dim_head * heads
        self.attn_dropout = nn.Dropout(dropout)
        self.norm = GammaLayerNorm(dim)
        self.context_norm = GammaLayerNorm(dim)
        self.num_null_kv = num_null_kv
        self.null_kv = nn.Parameter(torch.randn(heads, 2 * num_null_kv, dim_head))
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_kv = nn.Linear(dim, inner * 2, bias=False)
        self.q_scale = nn.Parameter(torch.ones(dim_head))
        self.k_scale = nn.Parameter(torch.ones(dim_head))
        self.to_out = nn.Linear(inner, dim, bias=False)

    def split_heads(self, t):
        b, n, hd = t.shape
        return t.reshape(b, n, self.heads, hd // self.heads).permute(0, 2, 1, 3)

    def forward(self, x, attn_bias=None):
        batch = x.shape[0]
        kv_input = x
        x = self.norm(x)
        q = self.to_q(x)
        kv = self.to_kv(kv_input)
        half = kv.shape[-1] // 2
        k, v = kv[..., :half], kv[..., half:]
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        # null_kv is (h, (n r), d) with r = 2 innermost: even rows are keys, odd rows values.
        nk = self.null_kv[:, 0::2].unsqueeze(0).expand(batch, -1, -1, -1)
        nv = self.null_kv[:, 1::2].unsqueeze(0).expand(batch, -1, -1, -1)
        k = torch.cat((nk, k), dim=-2)
        v = torch.cat((nv, v), dim=-2)
        q, k = l2norm(q) * self.q_scale, l2norm(k) * self.k_scale
        sim = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if attn_bias is not None:
            sim = sim + F.pad(attn_bias, (self.num_null_kv, 0), value=0.0)
        attn = self.attn_dropout(sim.softmax(dim=-1))
        out = torch.matmul(attn, v)
        b, h, n, d = out.shape
        out = out.permute(0, 2, 1, 3).reshape(b, n, h * d)
        return self.to_out(out)


class ContinuousPositionBias(nn.Module):
    """Log-distance relative positions on the (h, w) grid through an MLP, one bias per head."""

    def __init__(self, dim, heads, num_dims=2, layers=2):
        super().__init__()
        self.net = nn.ModuleList([nn.Sequential(nn.Linear(num_dims, dim), nn.LeakyReLU(0.1))])
        for _ in range(layers - 1):
            self.net.append(nn.Sequential(nn.Linear(dim, dim), nn.LeakyReLU(0.1)))
        self.net.append(nn.Linear(dim, heads))

    def forward(self, *dimensions):
        positions = [torch.arange(d) for d in dimensions]
        grid = torch.stack(torch.meshgrid(*positions, indexing="ij"))  # (c, *dims)
        grid = grid.reshape(grid.shape[0], -1).t()  # (n, c)
        rel = grid[:, None, :] - grid[None, :, :]
        rel = torch.sign(rel) * torch.log(rel.abs() + 1)
        rel = rel.float()
        for layer in self.net:
            rel = layer(rel)
        return rel.permute(2, 0, 1)


class Transformer(nn.Module):
    def __init__(self, dim, depth, dim_head, heads, ff_mult=4):
        super().__init__()
        self.layers = nn.ModuleList(
            [
                nn.ModuleList(
                    [
                        PEG(dim, causal=True),
                        Attention(dim, dim_head=dim_head, heads=heads),
                        None,  # the reference's cross-attention slot (absent)
                        feed_forward(dim, mult=ff_mult),
                    ]
                )
                for _ in range(depth)
            ]
        )
        self.norm_out = GammaLayerNorm(dim)

    def forward(self, x, video_shape, attn_bias=None):
        for peg, attn, _, ff in self.layers:
            x = peg(x, video_shape) + x
            x = attn(x, attn_bias=attn_bias) + x
            x = ff(x) + x
        return self.norm_out(x)


class CosineSimCodebook(nn.Module):
    def __init__(self, dim, codebook_size):
        super().__init__()
        self.register_buffer("initted", torch.Tensor([True]))
        self.register_buffer("cluster_size", torch.zeros(1, codebook_size))
        self.register_buffer("embed", l2norm(torch.randn(1, codebook_size, dim)))

    def forward(self, x):
        flat = l2norm(x.reshape(1, -1, x.shape[-1]))
        dist = torch.matmul(flat, l2norm(self.embed).transpose(-1, -2))
        ind = dist.argmax(dim=-1)  # (1, n)
        quantize = self.embed[0][ind[0]]  # raw (not re-normalised) codebook rows
        return quantize.reshape(x.shape), ind.reshape(x.shape[:-1]), dist


class VectorQuantize(nn.Module):
    def __init__(self, dim, codebook_size):
        super().__init__()
        self._codebook = CosineSimCodebook(dim, codebook_size)

    def forward(self, x):
        return self._codebook(x)


class PatchEmbedding(nn.Sequential):
    """Index 0 is the reference's parameter-free Rearrange; 1..3 LayerNorm, Linear, LayerNorm."""

    def __init__(self, patch_dim, dim, rearrange):
        super().__init__(rearrange, nn.LayerNorm(patch_dim), nn.Linear(patch_dim, dim), nn.LayerNorm(dim))


class ToPatches(nn.Module):
    """'b c (t pt) (h p1) (w p2) -> b t h w (c pt p1 p2)'."""

    def __init__(self, pt, p1, p2):
        super().__init__()
        self.pt, self.p1, self.p2 = pt, p1, p2

    def forward(self, video):
        b, c, f, hh, ww = video.shape
        pt, p1, p2 = self.pt, self.p1, self.p2
        x = video.reshape(b, c, f // pt, pt, hh // p1, p1, ww // p2, p2)
        x = x.permute(0, 2, 4, 6, 1, 3, 5, 7)
        return x.reshape(b, f // pt, hh // p1, ww // p2, c * pt * p1 * p2)


class CTViT(nn.Module):
    def __init__(
        self,
        dim,
        codebook_size,
        image_size,
        patch_size,
        temporal_patch_size,
        spatial_depth,
        temporal_depth,
        dim_head=64,
        heads=8,
        channels=1,
    ):
        super().__init__()
        self.image_size = (image_size, image_size)
        self.patch_size = (patch_size, patch_size)
        self.temporal_patch_size = temporal_patch_size
        self.spatial_rel_pos_bias = ContinuousPositionBias(dim=dim, heads=heads)
        frame_dim = channels * patch_size * patch_size
        self.to_patch_emb_first_frame = PatchEmbedding(frame_dim, dim, ToPatches(1, patch_size, patch_size))
        self.to_patch_emb = PatchEmbedding(
            frame_dim * temporal_patch_size, dim, ToPatches(temporal_patch_size, patch_size, patch_size)
        )
        self.enc_spatial_transformer = Transformer(dim, spatial_depth, dim_head, heads)
        self.enc_temporal_transformer = Transformer(dim, temporal_depth, dim_head, heads)
        self.vq = VectorQuantize(dim, codebook_size)
        # Decoder heads: in the state dict, unused by CT-CLIP's encode path.
        self.to_pixels_first_frame = nn.Sequential(nn.Linear(dim, frame_dim))
        self.to_pixels = nn.Sequential(nn.Linear(dim, frame_dim * temporal_patch_size))

    def encode(self, tokens):
        b, t, h, w, d = tokens.shape
        video_shape = (b, t, h, w)
        x = tokens.reshape(b * t, h * w, d)
        bias = self.spatial_rel_pos_bias(h, w)
        x = self.enc_spatial_transformer(x, video_shape, attn_bias=bias)
        x = x.reshape(b, t, h, w, d).permute(0, 2, 3, 1, 4).reshape(b * h * w, t, d)
        x = self.enc_temporal_transformer(x, video_shape)
        return x.reshape(b, h, w, t, d).permute(0, 3, 1, 2, 4)

    def forward(self, video, return_intermediates=False):
        tokens = self.to_patch_emb(video)
        b, t, h, w, d = tokens.shape
        encoded = self.encode(tokens)
        quantized, indices, dist = self.vq(encoded.reshape(b, t * h * w, d))
        quantized = quantized.reshape(b, t, h, w, d)
        if return_intermediates:
            return quantized, encoded, indices, dist
        return quantized


# ---------------------------------------------------------------- BERT (transformers 4.30 names)


class BertEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, max_positions, type_vocab=2, eps=1e-12):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(type_vocab, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)
        # Persistent in transformers < 4.31, hence the stale key in CT-CLIP_v2.pt.
        self.register_buffer("position_ids", torch.arange(max_positions).expand((1, -1)))

    def forward(self, ids):
        positions = self.position_ids[:, : ids.shape[1]]
        types = torch.zeros_like(ids)
        x = self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(positions)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(0.1)

    def split(self, t):
        b, n, hd = t.shape
        return t.reshape(b, n, self.heads, hd // self.heads).permute(0, 2, 1, 3)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + additive_mask
        probs = self.dropout(scores.softmax(dim=-1))
        out = torch.matmul(probs, v)
        b, h, n, d = out.shape
        return out.permute(0, 2, 1, 3).reshape(b, n, h * d)


class BertResidualOutput(nn.Module):
    def __init__(self, inner, hidden, eps=1e-12):
        super().__init__()
        self.dense = nn.Linear(inner, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.self = BertSelfAttention(hidden, heads)
        self.output = BertResidualOutput(hidden, hidden)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, hidden, inner):
        super().__init__()
        self.dense = nn.Linear(hidden, inner)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, inner):
        super().__init__()
        self.attention = BertAttention(hidden, heads)
        self.intermediate = BertIntermediate(hidden, inner)
        self.output = BertResidualOutput(inner, hidden)

    def forward(self, x, mask):
        attended = self.attention(x, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, hidden, heads, inner, layers):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(hidden, heads, inner) for _ in range(layers)])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)

    def forward(self, hidden_states):
        return torch.tanh(self.dense(hidden_states[:, 0]))


class BertModel(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, inner, max_positions):
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, hidden, max_positions)
        self.encoder = BertEncoder(hidden, heads, inner, layers)
        self.pooler = BertPooler(hidden)

    def forward(self, input_ids, attention_mask):
        additive = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        hidden = self.encoder(self.embeddings(input_ids), additive)
        return hidden, self.pooler(hidden)


# ---------------------------------------------------------------- CT-CLIP


class CTCLIP(nn.Module):
    def __init__(self, image_encoder, text_encoder, dim_image, dim_text, dim_latent):
        super().__init__()
        self.text_transformer = text_encoder
        self.visual_transformer = image_encoder
        self.to_text_latent = nn.Linear(dim_text, dim_latent, bias=False)
        self.to_visual_latent = nn.Linear(dim_image, dim_latent, bias=False)
        self.temperature = nn.Parameter(torch.tensor(1.0))
        # Unused unless extra_latent_projection, but CT-CLIP creates (and saves) them.
        self.to_text_latent_extra = nn.Linear(dim_text, dim_latent, bias=False)
        self.to_visual_latent_extra = nn.Linear(dim_image, dim_latent, bias=False)

    def encode_text(self, input_ids, attention_mask):
        hidden, _ = self.text_transformer(input_ids, attention_mask)
        return l2norm(self.to_text_latent(hidden[:, 0, :]))

    def encode_image(self, video):
        tokens = self.visual_transformer(video)  # (b, t, h, w, d), after the codebook lookup
        pooled = tokens.mean(dim=1)  # over the axial (slice) axis
        return l2norm(self.to_visual_latent(pooled.reshape(pooled.shape[0], -1)))

    def logits(self, image_latents, text_latents):
        """[images, texts] = cos * exp(temperature); its diagonal is CT-CLIP's forward output."""
        return image_latents @ text_latents.t() * self.temperature.exp()

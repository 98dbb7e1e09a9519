"""The tiny CLIP: a ViT (small conv stem -> 14x14 patch tokens + class token) and a causal
text Transformer pooled at the first end-of-text token, projected into a shared space.
Attention is written by hand (ONNX-exportable, no fused fast path).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x, mask=None):
        B, N, C = x.shape
        h = self.heads
        qkv = self.qkv(x).reshape(B, N, 3, h, C // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(C // h))
        if mask is not None:
            att = att + mask
        att = att.softmax(dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, N, C)
        return self.out(y)


class Block(nn.Module):
    def __init__(self, width, heads, mlp_ratio=4):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, width * mlp_ratio), nn.GELU(),
                                 nn.Linear(width * mlp_ratio, width))

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


def conv_bn(cin, cout, k, s, p):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, p, bias=False), nn.BatchNorm2d(cout), nn.GELU())


class VisionTransformer(nn.Module):
    def __init__(self, width=96, layers=4, heads=4, embed_dim=64, grid=14):
        super().__init__()
        if grid == 14:
            # 224 -> 56 -> 28 -> 14: each token is a 16x16 patch seen through a small CNN
            self.stem = nn.Sequential(conv_bn(3, 32, 4, 4, 0), conv_bn(32, 64, 3, 2, 1),
                                      nn.Conv2d(64, width, 3, 2, 1))
        elif grid == 7:
            # 224 -> 56 -> 28 -> 14 -> 7: each token is a 32x32 patch (receptive field ~60 px)
            self.stem = nn.Sequential(conv_bn(3, 32, 4, 4, 0), conv_bn(32, 64, 3, 2, 1),
                                      conv_bn(64, 96, 3, 2, 1), nn.Conv2d(96, width, 3, 2, 1))
        elif grid == 77:
            # deeper stem, still 7x7 tokens: 224 -> 56 -> 28 -> 28 -> 14 -> 7
            self.stem = nn.Sequential(conv_bn(3, 24, 4, 4, 0), conv_bn(24, 48, 3, 2, 1),
                                      conv_bn(48, 96, 3, 1, 1), conv_bn(96, 128, 3, 2, 1),
                                      nn.Conv2d(128, width, 3, 2, 1))
            grid = 7
        else:
            raise ValueError(grid)
        self.cls = nn.Parameter(torch.randn(width) * 0.02)
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, width) * 0.02)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)

    def forward(self, pixel_values):
        x = self.stem(pixel_values)                      # [B, W, 14, 14]
        x = x.flatten(2).transpose(1, 2)                 # [B, 196, W]
        cls = self.cls.reshape(1, 1, -1).expand(x.shape[0], 1, x.shape[2])
        x = torch.cat([cls, x], dim=1) + self.pos
        x = self.ln_pre(x)
        for blk in self.blocks:
            x = blk(x)
        return self.proj(self.ln_post(x[:, 0]))


class TextTransformer(nn.Module):
    def __init__(self, vocab_size, end_id, width=64, layers=3, heads=4, embed_dim=64, max_len=77):
        super().__init__()
        self.end_id = end_id
        self.tok = nn.Embedding(vocab_size, width)
        self.pos = nn.Parameter(torch.randn(max_len, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed_dim, bias=False)
        mask = torch.full((max_len, max_len), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)
        nn.init.normal_(self.tok.weight, std=0.02)

    def forward(self, input_ids):
        L = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:L]
        mask = self.mask[:L, :L]
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_final(x)
        # first end-of-text token: argmax returns the first maximal index (ONNX ArgMax too)
        idx = (input_ids == self.end_id).to(torch.int32).argmax(dim=1)
        idx = idx.to(torch.int64).reshape(-1, 1, 1).expand(-1, 1, x.shape[2])
        pooled = torch.gather(x, 1, idx).squeeze(1)
        return self.proj(pooled)


class TinyCLIP(nn.Module):
    def __init__(self, vocab_size, end_id, embed_dim=64, v_width=96, v_layers=4, t_width=64,
                 t_layers=3, grid=14, logit_scale_init=1 / 0.07):
        super().__init__()
        self.visual = VisionTransformer(width=v_width, layers=v_layers, embed_dim=embed_dim,
                                        grid=grid)
        self.text = TextTransformer(vocab_size, end_id, width=t_width, layers=t_layers,
                                    embed_dim=embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(logit_scale_init)))


def clip_loss(img, txt, logit_scale, target):
    """CLIP's symmetric cross-entropy; target[i, j] = 1 where caption i fits image j
    (same colour and shape, or a partial caption that fits), normalised per row/column."""
    img = F.normalize(img, dim=-1)
    txt = F.normalize(txt, dim=-1)
    logits = logit_scale.exp() * txt @ img.t()          # [texts, images]
    t_rows = target / target.sum(1, keepdim=True)
    t_cols = target / target.sum(0, keepdim=True)
    loss_t = -(t_rows * logits.log_softmax(1)).sum(1).mean()
    loss_i = -(t_cols * logits.log_softmax(0)).sum(0).mean()
    return (loss_t + loss_i) / 2

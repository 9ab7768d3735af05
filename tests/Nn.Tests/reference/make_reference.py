#!/usr/bin/env python3
"""Generates reference.json (and fixture.safetensors) for OfflineSafety.Nn tests with PyTorch.

Run once:  /usr/bin/python3 make_reference.py   (Debian: apt-get install -y python3-torch libopenblas0-pthread)
Every case starts from parameters stored in the JSON, so the C# tests load the same numbers
instead of relying on PyTorch's random generator.
"""
import json, struct, torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_num_threads(1)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def mlp(sizes, act):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers)


def params_of(net):
    return [{"name": n, "shape": list(p.shape), "values": flat(p)} for n, p in net.named_parameters()]


out = {"torch": torch.__version__}
sizes = [3, 8, 8, 2]
net = mlp(sizes, torch.nn.ReLU)
init = {n: p.detach().clone() for n, p in net.named_parameters()}
x = torch.randn(6, 3)
y = torch.rand(6, 2)
out["mlp"] = {"sizes": sizes, "activation": "relu", "output": "sigmoid", "params": params_of(net),
              "x": flat(x), "y": flat(y)}


def loss_fn(model):
    return ((torch.sigmoid(model(x)) - y) ** 2).mean()


def reset():
    with torch.no_grad():
        for n, p in net.named_parameters():
            p.copy_(init[n])
        net.zero_grad()


# Forward and backward.
reset()
pred = torch.sigmoid(net(x))
loss = ((pred - y) ** 2).mean()
loss.backward()
out["forward_backward"] = {"output": flat(pred), "loss": float(loss), "grads": [flat(p.grad) for p in net.parameters()]}

# Hessian-vector product of the same loss along v = (0.1 * (i % 7) - 0.3) per element.
reset()
ps = list(net.parameters())
vs = []
for p in ps:
    n = p.numel()
    vs.append(torch.tensor([0.1 * (i % 7) - 0.3 for i in range(n)], dtype=torch.float32).reshape(p.shape))
g = torch.autograd.grad(loss_fn(net), ps, create_graph=True)
hv = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, vs)), ps)
out["hvp"] = {"v_rule": "0.1*(i%7)-0.3", "hv": [flat(h) for h in hv]}

# Adam, 5 steps.
reset()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
losses = []
for _ in range(5):
    opt.zero_grad()
    l = loss_fn(net)
    l.backward()
    opt.step()
    losses.append(float(l))
out["adam"] = {"lr": 1e-2, "steps": 5, "losses": losses, "params": [flat(p) for p in net.parameters()]}

# SGD with momentum and weight decay, 5 steps; and Nesterov.
for key, kw in (("sgd_momentum", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
                ("sgd_nesterov", dict(lr=0.1, momentum=0.9, nesterov=True))):
    reset()
    opt = torch.optim.SGD(net.parameters(), **kw)
    for _ in range(5):
        opt.zero_grad()
        loss_fn(net).backward()
        opt.step()
    out[key] = dict(kw, steps=5, params=[flat(p) for p in net.parameters()])

# Global grad-norm clipping.
reset()
loss_fn(net).backward()
total = torch.nn.utils.clip_grad_norm_(net.parameters(), 0.05)
out["clip"] = {"max_norm": 0.05, "total_norm": float(total), "grads": [flat(p.grad) for p in net.parameters()]}

# MAML outer gradient: one inner SGD step (lr 0.5) on batch (x, y), outer loss on (x2, y2).
x2 = torch.randn(6, 3)
y2 = torch.rand(6, 2)
out["maml"] = {"x2": flat(x2), "y2": flat(y2), "inner_lr": 0.5}
from torch.nn.utils.stateless import functional_call

names = [n for n, _ in net.named_parameters()]


def maml_grads(order, learned):
    reset()
    params = dict(net.named_parameters())
    raw = [torch.tensor(float(torch.log(torch.expm1(torch.tensor(0.5)))), requires_grad=True) for _ in names]
    inner = ((torch.sigmoid(functional_call(net, params, (x,))) - y) ** 2).mean()
    g = torch.autograd.grad(inner, list(params.values()), create_graph=(order == 2))
    lrs = [F.softplus(r) if learned else 0.5 for r in raw]
    fast = {n: w - lr * gi for (n, w), gi, lr in zip(params.items(), g, lrs)}
    outer = ((torch.sigmoid(functional_call(net, fast, (x2,))) - y2) ** 2).mean()
    outer.backward()
    res = {"outer_loss": float(outer), "grads": [flat(p.grad) for p in net.parameters()]}
    if learned:
        res["lr_grads"] = [float(r.grad) for r in raw]
    return res


out["maml"]["second_order"] = maml_grads(2, False)
out["maml"]["first_order"] = maml_grads(1, False)
out["maml"]["second_order_learned_lr"] = maml_grads(2, True)

with open("reference.json", "w") as f:
    json.dump(out, f, indent=1)

# A safetensors file laid out as huggingface/safetensors writes it (that package is not in Debian):
# header keys sorted by dtype then name, "__metadata__" first, header padded with spaces to 8 bytes.
tensors = {"bias": torch.tensor([0.5, -1.25, 3.0e-8]), "weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7}
header, blob, off = {"__metadata__": {"format": "pt", "note": "fixture"}}, b"", 0
for name in sorted(tensors):
    data = struct.pack("<%df" % tensors[name].numel(), *tensors[name].reshape(-1).tolist())
    header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(data)]}
    blob += data
    off += len(data)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open("fixture.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + blob)

"""Dynamic uint8 quantization of an ONNX model, written with the plain `onnx` Python API.

It rewrites a float model the way the hub's `*_quantized.onnx` CLIP files are built, using
only default-domain ONNX operators, so ONNX Runtime Web's WASM backend runs the result:

  MatMul(A, W)          W a constant float initializer [K, N]
    -> DynamicQuantizeLinear(A) -> A_q, A_scale, A_zp      (one per distinct A, shared)
       MatMulInteger(A_q, W_q, A_zp, W_zp) -> int32
       Cast(float) ; Mul(A_scale * W_scale)                (scale multiplied once, by Mul)
  Gemm(A, W, C)         transA=0, alpha=beta=1: treated as MatMul(A, W or W^T) + Add(C)
  Conv(X, W[, B])       -> DynamicQuantizeLinear + ConvInteger + Cast + Mul (+ Add B); W per tensor
  Gather(T, ids)        T a constant float table (token embeddings)
    -> Gather(T_q, ids) ; DequantizeLinear(T_scale, T_zp)  (exact: dequantizing the gathered
                                                            rows equals gathering dequantized rows)

Weights are asymmetric uint8, per tensor by default (like onnxruntime's quantize_dynamic with
per_channel=False), or per output column of MatMul/Gemm weights with per_column=True.

    /usr/bin/python3 scripts/quantize_dynamic.py IN.onnx OUT.onnx [--per-column]
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MIN_WEIGHT_ELEMENTS = 1024  # smaller weights stay float: no size gain, only error


def quantize_array(w, axis=None):
    """Asymmetric uint8 quantization of w. axis=None: one scale; otherwise one scale per index of
    `axis` (the other axes are reduced). Returns (q uint8, scale float32, zero_point uint8)."""
    w = w.astype(np.float32)
    if axis is None:
        lo, hi = np.minimum(w.min(), 0.0), np.maximum(w.max(), 0.0)
    else:
        other = tuple(i for i in range(w.ndim) if i != axis)
        lo, hi = np.minimum(w.min(axis=other), 0.0), np.maximum(w.max(axis=other), 0.0)
    scale = ((hi - lo) / 255.0).astype(np.float32)
    scale = np.where(scale > 0, scale, np.float32(1.0)).astype(np.float32)
    zp = np.clip(np.round(-lo / scale), 0, 255).astype(np.uint8)
    if axis is None:
        q = np.clip(np.round(w / scale) + zp, 0, 255)
    else:
        shape = [1] * w.ndim
        shape[axis] = -1
        q = np.clip(np.round(w / scale.reshape(shape)) + zp.reshape(shape), 0, 255)
    return q.astype(np.uint8), np.asarray(scale, np.float32), np.asarray(zp, np.uint8)


class _Rewriter:
    def __init__(self, model, per_column):
        self.model = model
        self.graph = model.graph
        self.per_column = per_column
        self.inits = {t.name: t for t in self.graph.initializer}
        self.names = {n for node in self.graph.node for n in list(node.input) + list(node.output)}
        self.names |= set(self.inits)
        self.new_inits = []
        self.dql = {}  # activation name -> (q, scale, zp) from its DynamicQuantizeLinear
        self.qweights = {}  # (init name, kind) -> (q name, scale name, zp name)
        self.stats = {"MatMul": 0, "Gemm": 0, "Conv": 0, "Gather": 0, "kept_float": 0}

    def fresh(self, base):
        base = base.replace("/", "_").replace(":", "_").strip("_") or "q"
        name, i = base, 1
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    def add_init(self, base, array):
        name = self.fresh(base)
        self.new_inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def float_weight(self, name):
        t = self.inits.get(name)
        if t is None or t.data_type != TensorProto.FLOAT:
            return None
        return numpy_helper.to_array(t)

    def quant_weight(self, name, w, axis, kind):
        key = (name, kind)
        if key not in self.qweights:
            q, s, z = quantize_array(w, axis if self.per_column else None)
            self.qweights[key] = (self.add_init(name + "_quantized", q),
                                  self.add_init(name + "_scale", s),
                                  self.add_init(name + "_zero_point", z))
        return self.qweights[key]

    def quant_activation(self, act, out):
        if act not in self.dql:
            q, s, z = self.fresh(act + "_quantized"), self.fresh(act + "_scale"), self.fresh(act + "_zero_point")
            out.append(helper.make_node("DynamicQuantizeLinear", [act], [q, s, z], name=self.fresh(act + "_DynamicQuantizeLinear")))
            self.dql[act] = (q, s, z)
        return self.dql[act]

    def integer_op(self, op, base, act, wq, extra_attrs, y, out):
        """DynamicQuantizeLinear(act) -> op(..) int32 -> Cast -> Mul(act_scale * w_scale) -> y."""
        aq, ascale, azp = self.quant_activation(act, out)
        wname, wscale, wzp = wq
        acc = self.fresh(base + "_int32")
        out.append(helper.make_node(op, [aq, wname, azp, wzp], [acc], name=self.fresh(base + "_" + op), **extra_attrs))
        accf = self.fresh(base + "_int32_float")
        out.append(helper.make_node("Cast", [acc], [accf], to=TensorProto.FLOAT, name=self.fresh(base + "_Cast")))
        scale = self.fresh(base + "_scale")
        out.append(helper.make_node("Mul", [ascale, wscale], [scale], name=self.fresh(base + "_scale_Mul")))
        out.append(helper.make_node("Mul", [accf, scale], [y], name=self.fresh(base + "_output_Mul")))

    def matmul(self, node, out):
        w = self.float_weight(node.input[1])
        if w is None or w.ndim != 2 or w.size < MIN_WEIGHT_ELEMENTS:
            return False
        wq = self.quant_weight(node.input[1], w, 1, "matmul")  # per column of B
        self.integer_op("MatMulInteger", node.name or node.output[0], node.input[0], wq, {}, node.output[0], out)
        self.stats["MatMul"] += 1
        return True

    def gemm(self, node, out):
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            return False
        w = self.float_weight(node.input[1])
        if w is None or w.ndim != 2 or w.size < MIN_WEIGHT_ELEMENTS:
            return False
        if attrs.get("transB", 0):
            w = np.ascontiguousarray(w.T)
        wq = self.quant_weight(node.input[1], w, 1, "gemm_t" if attrs.get("transB", 0) else "gemm")
        base = node.name or node.output[0]
        has_bias = len(node.input) > 2 and node.input[2]
        y = self.fresh(base + "_matmul") if has_bias else node.output[0]
        self.integer_op("MatMulInteger", base, node.input[0], wq, {}, y, out)
        if has_bias:
            out.append(helper.make_node("Add", [y, node.input[2]], [node.output[0]], name=self.fresh(base + "_bias_Add")))
        self.stats["Gemm"] += 1
        return True

    def conv(self, node, out):
        w = self.float_weight(node.input[1])
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if w is None or w.size < MIN_WEIGHT_ELEMENTS or attrs.get("group", 1) != 1 or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            return False
        # per tensor even with per_column: onnxruntime's ConvInteger takes a scalar w_zero_point
        key = (node.input[1], "conv")
        if key not in self.qweights:
            q, sc, z = quantize_array(w, None)
            self.qweights[key] = (self.add_init(node.input[1] + "_quantized", q),
                                  self.add_init(node.input[1] + "_scale", sc),
                                  self.add_init(node.input[1] + "_zero_point", z))
        wq = self.qweights[key]
        keep = {k: v for k, v in attrs.items() if k in ("dilations", "group", "kernel_shape", "pads", "strides")}
        base = node.name or node.output[0]
        has_bias = len(node.input) > 2 and node.input[2]
        y = self.fresh(base + "_conv") if has_bias else node.output[0]
        self.integer_op("ConvInteger", base, node.input[0], wq, keep, y, out)
        if has_bias:
            b = self.float_weight(node.input[2])
            if b is None:
                raise ValueError(f"{base}: Conv bias is not a constant")
            bname = self.add_init(node.input[2] + "_chw", b.reshape(-1, *([1] * (w.ndim - 2))))
            out.append(helper.make_node("Add", [y, bname], [node.output[0]], name=self.fresh(base + "_bias_Add")))
        self.stats["Conv"] += 1
        return True

    def gather(self, node, out):
        w = self.float_weight(node.input[0])
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if w is None or w.ndim != 2 or w.size < MIN_WEIGHT_ELEMENTS or attrs.get("axis", 0) != 0:
            return False
        # per-tensor only, so dequantizing after the Gather is exact whatever the index shape
        key = (node.input[0], "gather")
        if key not in self.qweights:
            q, s, z = quantize_array(w, None)
            self.qweights[key] = (self.add_init(node.input[0] + "_quantized", q),
                                  self.add_init(node.input[0] + "_scale", s),
                                  self.add_init(node.input[0] + "_zero_point", z))
        tq, ts, tz = self.qweights[key]
        base = node.name or node.output[0]
        rows = self.fresh(base + "_quantized_rows")
        out.append(helper.make_node("Gather", [tq, node.input[1]], [rows], axis=0, name=self.fresh(base + "_Gather")))
        out.append(helper.make_node("DequantizeLinear", [rows, ts, tz], [node.output[0]], name=self.fresh(base + "_DequantizeLinear")))
        self.stats["Gather"] += 1
        return True

    def run(self):
        handlers = {"MatMul": self.matmul, "Gemm": self.gemm, "Conv": self.conv, "Gather": self.gather}
        new_nodes = []
        for node in self.graph.node:
            h = handlers.get(node.op_type) if node.domain in ("", "ai.onnx") else None
            if h is not None and h(node, new_nodes):
                continue
            if h is not None and node.op_type != "Gather" and any(i in self.inits for i in node.input[1:2]):
                self.stats["kept_float"] += 1
            new_nodes.append(node)
        del self.graph.node[:]
        self.graph.node.extend(new_nodes)
        used = {i for node in self.graph.node for i in node.input} | {o.name for o in self.graph.output}
        keep = [t for t in self.graph.initializer if t.name in used] + self.new_inits
        del self.graph.initializer[:]
        self.graph.initializer.extend(keep)
        del self.graph.value_info[:]  # stale float types on rewritten edges; ORT re-infers
        return self.stats


def quantize_model(model, per_column=False):
    """Rewrites `model` (an onnx.ModelProto) in place and returns (model, stats)."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 11:
        raise ValueError(f"opset {opset}: need 11 or later (DynamicQuantizeLinear)")
    stats = _Rewriter(model, per_column).run()
    onnx.checker.check_model(model)
    return model, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--per-column", action="store_true", help="one weight scale per output column/channel")
    a = ap.parse_args(argv)
    model, stats = quantize_model(onnx.load(a.input), a.per_column)
    onnx.save(model, a.output)
    print(f"quantized {a.input} -> {a.output}: {stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

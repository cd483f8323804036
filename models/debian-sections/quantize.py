"""Dynamic q8 quantization of the exported BERT graph, written with the `onnx` package alone.

onnxruntime's quantization tools are not available here, so this rewrites the graph the way its
dynamic quantizer does: every MatMul with a constant weight becomes DynamicQuantizeLinear →
MatMulInteger (int8 weight, one scale per output column) → Cast → Mul; the word-embedding Gather
reads an int8 table and multiplies by a per-row scale. Deterministic: same model, same bytes.
`bert.QLinear` computes exactly this in PyTorch.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _quantize_columns(w: np.ndarray):
    scale = np.abs(w).max(axis=0) / np.float32(127.0)
    scale = np.where(scale == 0, np.float32(1.0), scale).astype(np.float32)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


def quantize_rows(table: np.ndarray):
    """Symmetric int8 per row of an embedding table; returns (int8 table, scales[rows])."""
    scale = np.abs(table).max(axis=1) / np.float32(127.0)
    scale = np.where(scale == 0, np.float32(1.0), scale).astype(np.float32)
    q = np.clip(np.round(table / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def quantize_model(model: onnx.ModelProto, embedding: str) -> onnx.ModelProto:
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes, drop = [], set()
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and len(numpy_helper.to_array(inits[node.input[1]]).shape) == 2:
            w = numpy_helper.to_array(inits[node.input[1]])
            q, scale = _quantize_columns(w)
            base = node.input[1]
            drop.add(base)
            graph.initializer.extend(
                [
                    numpy_helper.from_array(q, base + "_quantized"),
                    numpy_helper.from_array(scale, base + "_scale"),
                    numpy_helper.from_array(np.array(0, dtype=np.int8), base + "_zero_point"),
                ]
            )
            x, y, n = node.input[0], node.output[0], node.name or y
            nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [f"{n}_xq", f"{n}_xs", f"{n}_xz"], name=f"{n}_quant"),
                helper.make_node(
                    "MatMulInteger", [f"{n}_xq", base + "_quantized", f"{n}_xz", base + "_zero_point"], [f"{n}_int"], name=f"{n}_matmul"
                ),
                helper.make_node("Cast", [f"{n}_int"], [f"{n}_float"], to=TensorProto.FLOAT, name=f"{n}_cast"),
                helper.make_node("Mul", [f"{n}_xs", base + "_scale"], [f"{n}_scale"], name=f"{n}_scale_mul"),
                helper.make_node("Mul", [f"{n}_float", f"{n}_scale"], [y], name=f"{n}_output_mul"),
            ]
        elif node.op_type == "Gather" and node.input[0] == embedding:
            table = numpy_helper.to_array(inits[embedding])
            q, scale = quantize_rows(table)
            drop.add(embedding)
            graph.initializer.extend(
                [
                    numpy_helper.from_array(q, embedding + "_quantized"),
                    numpy_helper.from_array(scale.reshape(-1, 1), embedding + "_scale"),
                ]
            )
            ids, y = node.input[1], node.output[0]
            nodes += [
                helper.make_node("Gather", [embedding + "_quantized", ids], ["embedding_int8"], name="embedding_gather_q"),
                helper.make_node("Gather", [embedding + "_scale", ids], ["embedding_scale"], name="embedding_gather_scale"),
                helper.make_node("Cast", ["embedding_int8"], ["embedding_float"], to=TensorProto.FLOAT, name="embedding_cast"),
                helper.make_node("Mul", ["embedding_float", "embedding_scale"], [y], name="embedding_dequant"),
            ]
        else:
            nodes.append(node)
    kept = [i for i in graph.initializer if i.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    # Drop value_info that no longer matches (the rewritten outputs keep their float type and shape).
    onnx.checker.check_model(model)
    return model

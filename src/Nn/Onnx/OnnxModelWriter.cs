using System.Runtime.InteropServices;

namespace OfflineSafety.Nn.Onnx;

/// <summary>
/// Serialises an <see cref="OnnxModel"/> to the ONNX file format: a protobuf ModelProto (onnx.proto,
/// field numbers of ONNX 1.12). Only what <see cref="OnnxModel"/> can say is written; everything else
/// takes protobuf's defaults.
/// </summary>
public static class OnnxModelWriter
{
    // TensorProto.DataType / TypeProto.Tensor.elem_type code of float32.
    private const int FloatElementType = 1;

    public static void Write(OnnxModel model, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(ToBytes(model));
    }

    public static byte[] ToBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = new ProtoWriter();
        proto.Int64(1, model.IrVersion);                   // ir_version
        proto.String(2, model.ProducerName);               // producer_name
        proto.String(3, model.ProducerVersion);            // producer_version
        proto.Message(7, Graph(model.Graph));              // graph
        var opset = new ProtoWriter();
        opset.String(1, "");                               // OperatorSetIdProto.domain: the default one
        opset.Int64(2, model.OpsetVersion);                // OperatorSetIdProto.version
        proto.Message(8, opset);                           // opset_import
        foreach (var (key, value) in model.Metadata)
        {
            var entry = new ProtoWriter();
            entry.String(1, key);
            entry.String(2, value);
            proto.Message(14, entry);                      // metadata_props
        }
        return proto.Written.ToArray();
    }

    private static ProtoWriter Graph(OnnxGraph graph)
    {
        var proto = new ProtoWriter();
        foreach (var node in graph.Nodes) proto.Message(1, Node(node));          // node
        proto.String(2, graph.Name);                                               // name
        foreach (var tensor in graph.Initializers) proto.Message(5, Tensor(tensor)); // initializer
        if (graph.Documentation.Length > 0) proto.String(10, graph.Documentation); // doc_string
        foreach (var input in graph.Inputs) proto.Message(11, ValueInfo(input));  // input
        foreach (var output in graph.Outputs) proto.Message(12, ValueInfo(output)); // output
        return proto;
    }

    private static ProtoWriter Node(OnnxNode node)
    {
        var proto = new ProtoWriter();
        foreach (string input in node.Inputs) proto.String(1, input);
        foreach (string output in node.Outputs) proto.String(2, output);
        proto.String(3, node.Name);
        proto.String(4, node.OpType);
        foreach (var attribute in node.Attributes) proto.Message(5, Attribute(attribute));
        return proto;
    }

    // AttributeProto: name = 1, type = 20 (the discriminator), then the one value field of that type.
    private static ProtoWriter Attribute(OnnxAttribute attribute)
    {
        var proto = new ProtoWriter();
        proto.String(1, attribute.Name);
        switch (attribute)
        {
            case OnnxFloatAttribute f:
                proto.Int64(20, 1);
                proto.Float(2, f.Value);
                break;
            case OnnxIntAttribute i:
                proto.Int64(20, 2);
                proto.Int64(3, i.Value);
                break;
            case OnnxStringAttribute s:
                proto.Int64(20, 3);
                proto.String(4, s.Value);
                break;
            case OnnxIntsAttribute ints:
                proto.Int64(20, 7);
                // Repeated int64 without [packed]: proto2 readers accept packed too, but one field per value is the declared form.
                foreach (long v in ints.Values) proto.Int64(8, v);
                break;
            default:
                throw new ArgumentException($"attribute '{attribute.Name}' has a type the writer does not know: {attribute.GetType().Name}", nameof(attribute));
        }
        return proto;
    }

    private static ProtoWriter Tensor(OnnxTensor tensor)
    {
        var proto = new ProtoWriter();
        // dims is a plain (unpacked) repeated int64 in onnx.proto.
        foreach (long d in tensor.Dims) proto.Int64(1, d);
        proto.Int64(2, FloatElementType);                  // data_type
        proto.String(8, tensor.Name);                      // name
        proto.Bytes(9, LittleEndianBytes(tensor.Data));    // raw_data
        return proto;
    }

    private static ReadOnlySpan<byte> LittleEndianBytes(float[] data)
    {
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(data.AsSpan());
        var bytes = new byte[4 * data.Length];
        for (int i = 0; i < data.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), data[i]);
        return bytes;
    }

    // ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2: { dim = 1 } } } }.
    private static ProtoWriter ValueInfo(OnnxValueInfo value)
    {
        var shape = new ProtoWriter();
        foreach (var dimension in value.Shape)
        {
            var dim = new ProtoWriter();
            switch (dimension)
            {
                case FixedDimension f: dim.Int64(1, f.Size); break;        // dim_value
                case SymbolicDimension s: dim.String(2, s.Name); break;    // dim_param
                default: throw new ArgumentException($"value '{value.Name}' has a dimension the writer does not know", nameof(value));
            }
            shape.Message(1, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.Int64(1, FloatElementType);
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var proto = new ProtoWriter();
        proto.String(1, value.Name);
        proto.Message(2, type);
        return proto;
    }
}

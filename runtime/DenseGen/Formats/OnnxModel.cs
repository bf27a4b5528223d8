using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// An attribute of a node: the kinds the imported nodes use (a float, an int, ints, a tensor (a Constant's value), and a
/// string or strings, which a recurrent node's direction and activations are).
/// </summary>
internal sealed class OnnxAttribute
{
    public OnnxAttribute(string name, int type, float f, long i, long[] ints, OnnxTensor? tensor, string s, string[] strings, float[] floats)
    {
        Name = name;
        Type = type;
        F = f;
        I = i;
        Ints = ints;
        Tensor = tensor;
        S = s;
        Strings = strings;
        Floats = floats;
    }

    public const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4, FloatsType = 6, IntsType = 7, StringsType = 8;

    public string Name { get; }

    /// <summary>AttributeProto.AttributeType: 1 float, 2 int, 4 tensor, 7 ints, others unused here.</summary>
    public int Type { get; }

    public float F { get; }

    public long I { get; }

    public long[] Ints { get; }

    public OnnxTensor? Tensor { get; }

    /// <summary>A string attribute's value (UTF-8 bytes read as text), or empty.</summary>
    public string S { get; }

    /// <summary>A strings attribute's values, or none.</summary>
    public string[] Strings { get; }

    /// <summary>A floats attribute's values, or none.</summary>
    public float[] Floats { get; }
}

/// <summary>A node of the graph.</summary>
internal sealed class OnnxNode
{
    public OnnxNode(int index, string name, string opType, string domain, string[] inputs, string[] outputs, Dictionary<string, OnnxAttribute> attributes)
    {
        Index = index;
        Name = name;
        OpType = opType;
        Domain = domain;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The node's position in the graph's list, counted from 0.</summary>
    public int Index { get; }

    public string Name { get; }

    public string OpType { get; }

    public string Domain { get; }

    public string[] Inputs { get; }

    public string[] Outputs { get; }

    public Dictionary<string, OnnxAttribute> Attributes { get; }

    /// <summary>How errors name the node: its name and op type, or its position when it has no name.</summary>
    public string Describe() => (Name.Length > 0 ? $"node '{Name}'" : $"node {Index}") + $" ({OpType})";
}

/// <summary>A tensor with its data: float32 as floats, int64 (a Reshape's shape) as longs.</summary>
internal sealed class OnnxTensor
{
    public OnnxTensor(string name, int dataType, long[] dims, float[]? floats, long[]? longs)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        Floats = floats;
        Longs = longs;
    }

    public const int Float = 1, Int64 = 7;

    public string Name { get; }

    /// <summary>TensorProto.DataType: 1 float, 7 int64.</summary>
    public int DataType { get; }

    public long[] Dims { get; }

    public float[]? Floats { get; }

    public long[]? Longs { get; }

    public string Shape => "[" + string.Join(", ", Dims) + "]";
}

/// <summary>
/// One dimension of a graph input's or output's declared shape (TensorShapeProto.Dimension): a known size, a symbol
/// such as <c>batch</c> (<c>dim_param</c>), or neither (the size is unknown).
/// </summary>
internal readonly struct OnnxDimension
{
    public OnnxDimension(long value, string symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The size when it is known, else -1.</summary>
    public long Value { get; }

    /// <summary>The symbol that names an unknown size (<c>dim_param</c>), or empty.</summary>
    public string Symbol { get; }

    public bool IsKnown => Value >= 0;

    /// <summary>The size, the symbol, or <c>?</c>, as shapes are written in messages.</summary>
    public override string ToString() => IsKnown ? Value.ToString(CultureInfo.InvariantCulture) : Symbol.Length > 0 ? Symbol : "?";
}

/// <summary>A graph input or output (ValueInfoProto): its name, and its element type and shape when it is a tensor that declares them.</summary>
internal sealed class OnnxValueInfo
{
    public OnnxValueInfo(string name, int elementType, OnnxDimension[]? shape)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
    }

    public string Name { get; }

    /// <summary>TensorProto.DataType of its elements (1 float), or 0 when it is not a tensor or does not say.</summary>
    public int ElementType { get; }

    /// <summary>Its dimensions, or null when the rank is not declared (ONNX allows leaving the shape out).</summary>
    public OnnxDimension[]? Shape { get; }

    /// <summary>The shape as messages write it, such as <c>[batch, 1, 28, 28]</c>, or <c>unknown</c>.</summary>
    public string ShapeText => Shape is null ? "unknown" : "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// The part of an ONNX model (onnx.proto's ModelProto) that a multilayer perceptron needs: the default domain's
/// opset, the graph's nodes in order, its initializers, and its inputs and outputs with their declared types and
/// shapes. Everything else is skipped unread. The reader follows only the fixed paths model → graph → node →
/// attribute → tensor and graph → value → type → shape → dimension, so a file cannot make it recurse;
/// tensor data is read only after its size is checked against its dims and the bytes present.
/// </summary>
internal sealed class OnnxModel
{
    private OnnxModel(long opsetVersion, List<OnnxNode> nodes, Dictionary<string, OnnxTensor> initializers, List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs)
    {
        OpsetVersion = opsetVersion;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The version of the default (<c>ai.onnx</c>) operator set the model imports.</summary>
    public long OpsetVersion { get; }

    public List<OnnxNode> Nodes { get; }

    public Dictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>The graph's inputs in the file's order, initializers included when the exporter lists them (IR version 3 did).</summary>
    public List<OnnxValueInfo> Inputs { get; }

    /// <summary>The graph's outputs in the file's order.</summary>
    public List<OnnxValueInfo> Outputs { get; }

    /// <summary>
    /// Parses a whole file. When it cannot, and the bytes do not even start as a model does (with a field of
    /// ModelProto), the error says that they are not an ONNX model, and when they look like a safetensors file, says
    /// so and adds <paramref name="safetensorsAdvice"/> (which method or name reads one).
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a model this reader can read; the message says where and why.</exception>
    public static OnnxModel Parse(byte[] bytes, string source, string safetensorsAdvice)
    {
        if (bytes is null)
            throw new ArgumentNullException(nameof(bytes));
        try
        {
            return ParseModel(bytes, source);
        }
        catch (InvalidDataException exception) when (!StartsLikeModel(bytes, source))
        {
            // "field number 0 is not valid (at byte 3)" would point into a file that never was a model.
            string problem = bytes.Length == 0 ? "the file is empty, not an ONNX model"
                : LooksLikeSafetensors(bytes) ? "the data is not an ONNX model; it looks like a safetensors file (an 8-byte header length, then a JSON header): " + safetensorsAdvice
                : "the data is not an ONNX model: it does not start with a field of onnx.ModelProto (its first bytes are "
                    + BitConverter.ToString(bytes, 0, Math.Min(bytes.Length, 8)).Replace('-', ' ') + ")";
            throw new InvalidDataException(source + ": " + problem + (problem.EndsWith("?", StringComparison.Ordinal) ? "" : "."), exception);
        }
    }

    /// <summary>ModelProto's fields and their wire types: a serialized model starts with one of them (ir_version, as a rule).</summary>
    private static bool StartsLikeModel(byte[] bytes, string source)
    {
        var model = new ProtoReader(bytes, 0, bytes.Length, source, "the model");
        try
        {
            (int field, WireType wire) = model.ReadKey();
            return field switch
            {
                1 or 5 => wire == WireType.Varint, // ir_version, model_version
                2 or 3 or 4 or 6 or 7 or 8 or 14 or 20 or 25 or 26 => wire == WireType.LengthDelimited, // names, graph, opsets, …
                _ => false,
            };
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>A safetensors file's start: a little-endian 64-bit header length that fits the file, then <c>{</c>.</summary>
    private static bool LooksLikeSafetensors(byte[] bytes)
    {
        if (bytes.Length < 10 || bytes[8] != (byte)'{')
            return false;
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(bytes, 0, 8));
        return headerLength >= 2 && headerLength <= (ulong)(bytes.Length - 8);
    }

    private static OnnxModel ParseModel(byte[] bytes, string source)
    {
        var model = new ProtoReader(bytes, 0, bytes.Length, source, "the model");
        long? opset = null;
        ProtoReader? graph = null;
        while (!model.AtEnd)
        {
            (int field, WireType wire) = model.ReadKey();
            switch (field)
            {
                case 7:
                    model.RequireWire(wire, WireType.LengthDelimited, "the graph");
                    if (graph is not null)
                        throw model.Error("the model has two graphs");
                    graph = model.ReadMessage("the graph");
                    break;
                case 8:
                    model.RequireWire(wire, WireType.LengthDelimited, "an opset import");
                    (string domain, long version) = ReadOpset(model.ReadMessage("an opset import"));
                    if (domain is "" or "ai.onnx")
                    {
                        if (opset is not null && opset != version)
                            throw model.Error($"the model imports the default opset twice, as versions {opset} and {version}");
                        opset = version;
                    }
                    break;
                default:
                    model.Skip(wire);
                    break;
            }
        }
        if (graph is null)
            throw model.Error(bytes.Length == 0 ? "the file is empty" : "the model has no graph");
        if (opset is null)
            throw model.Error("the model imports no version of the default operator set (ai.onnx)");
        return ReadGraph(graph.Value, opset.Value);
    }

    private static (string Domain, long Version) ReadOpset(ProtoReader reader)
    {
        string domain = "";
        long version = 0;
        while (!reader.AtEnd)
        {
            (int field, WireType wire) = reader.ReadKey();
            if (field == 1 && wire == WireType.LengthDelimited)
                domain = reader.ReadString();
            else if (field == 2 && wire == WireType.Varint)
                version = reader.ReadInt64();
            else
                reader.Skip(wire);
        }
        return (domain, version);
    }

    private static OnnxModel ReadGraph(ProtoReader graph, long opset)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (!graph.AtEnd)
        {
            (int field, WireType wire) = graph.ReadKey();
            switch (field)
            {
                case 1:
                    graph.RequireWire(wire, WireType.LengthDelimited, "a node");
                    nodes.Add(ReadNode(graph.ReadMessage($"node {nodes.Count}"), nodes.Count));
                    break;
                case 5:
                    graph.RequireWire(wire, WireType.LengthDelimited, "an initializer");
                    OnnxTensor tensor = ReadTensor(graph.ReadMessage($"initializer {initializers.Count}"));
                    if (initializers.ContainsKey(tensor.Name))
                        throw graph.Error($"the initializer '{tensor.Name}' appears twice");
                    initializers.Add(tensor.Name, tensor);
                    break;
                case 11:
                case 12:
                    graph.RequireWire(wire, WireType.LengthDelimited, "a graph input or output");
                    string kind = field == 11 ? "graph input" : "graph output";
                    (field == 11 ? inputs : outputs).Add(ReadValueInfo(graph.ReadMessage("a " + kind), kind));
                    break;
                case 15:
                    throw graph.Error("the graph has a sparse initializer; only dense float tensors can be weights");
                default:
                    graph.Skip(wire);
                    break;
            }
        }
        return new OnnxModel(opset, nodes, initializers, inputs, outputs);
    }

    /// <summary>
    /// ValueInfoProto: name (1) and type (2). A type that is not a tensor (a sequence, a map, ...) or that declares no
    /// element type or shape leaves them unknown; the mapping decides what it needs.
    /// </summary>
    private static OnnxValueInfo ReadValueInfo(ProtoReader value, string kind)
    {
        string name = "";
        int elementType = 0;
        OnnxDimension[]? shape = null;
        while (!value.AtEnd)
        {
            (int field, WireType wire) = value.ReadKey();
            if (field == 1 && wire == WireType.LengthDelimited)
            {
                name = value.ReadString();
            }
            else if (field == 2)
            {
                value.RequireWire(wire, WireType.LengthDelimited, "the value's type");
                // Errors inside name the value when its name came first, as exporters write it.
                string what = name.Length > 0 ? $"{kind} '{name}'" : "a " + kind;
                ProtoReader type = value.ReadMessage("the type of " + what);
                while (!type.AtEnd)
                {
                    (int typeField, WireType typeWire) = type.ReadKey();
                    if (typeField != 1) // TypeProto.tensor_type; the other kinds of value keep no shape
                    {
                        type.Skip(typeWire);
                        continue;
                    }
                    type.RequireWire(typeWire, WireType.LengthDelimited, "a tensor type");
                    (elementType, shape) = ReadTensorType(type.ReadMessage("the type of " + what), what);
                }
            }
            else
            {
                value.Skip(wire);
            }
        }
        return new OnnxValueInfo(name, elementType, shape);
    }

    /// <summary>TypeProto.Tensor: elem_type (1) and shape (2); no shape field means the rank is not declared.</summary>
    private static (int ElementType, OnnxDimension[]? Shape) ReadTensorType(ProtoReader tensorType, string what)
    {
        int elementType = 0;
        List<OnnxDimension>? dims = null;
        while (!tensorType.AtEnd)
        {
            (int field, WireType wire) = tensorType.ReadKey();
            switch (field)
            {
                case 1:
                    tensorType.RequireWire(wire, WireType.Varint, "the element type");
                    elementType = tensorType.ReadInt32();
                    break;
                case 2:
                    tensorType.RequireWire(wire, WireType.LengthDelimited, "a shape");
                    // Protobuf merges a repeated message field: a second shape's dimensions follow the first's.
                    dims ??= new List<OnnxDimension>();
                    ReadShape(tensorType.ReadMessage("the shape of " + what), what, dims);
                    break;
                default:
                    tensorType.Skip(wire);
                    break;
            }
        }
        return (elementType, dims?.ToArray());
    }

    /// <summary>TensorShapeProto: its dimensions (1), each a dim_value (1), a dim_param (2) or neither.</summary>
    private static void ReadShape(ProtoReader shape, string what, List<OnnxDimension> dims)
    {
        while (!shape.AtEnd)
        {
            (int field, WireType wire) = shape.ReadKey();
            if (field != 1)
            {
                shape.Skip(wire);
                continue;
            }
            shape.RequireWire(wire, WireType.LengthDelimited, "a dimension");
            ProtoReader dim = shape.ReadMessage($"dimension {dims.Count} of {what}");
            long value = -1;
            string symbol = "";
            while (!dim.AtEnd)
            {
                (int dimField, WireType dimWire) = dim.ReadKey();
                switch (dimField)
                {
                    case 1:
                        dim.RequireWire(dimWire, WireType.Varint, "a dimension's size");
                        // Some converters write -1 for a size they do not know; it is unknown, as a missing size is.
                        value = Math.Max(dim.ReadInt64(), -1);
                        symbol = ""; // one of a oneof: the last one set wins
                        break;
                    case 2:
                        dim.RequireWire(dimWire, WireType.LengthDelimited, "a dimension's symbol");
                        symbol = dim.ReadString();
                        value = -1;
                        break;
                    default:
                        dim.Skip(dimWire);
                        break;
                }
            }
            dims.Add(new OnnxDimension(value, symbol));
        }
    }

    private static OnnxNode ReadNode(ProtoReader node, int index)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        string name = "", opType = "", domain = "";
        while (!node.AtEnd)
        {
            (int field, WireType wire) = node.ReadKey();
            switch (field)
            {
                case 1:
                case 2:
                case 3:
                case 4:
                case 7:
                    node.RequireWire(wire, WireType.LengthDelimited, "a name");
                    string text = node.ReadString();
                    if (field == 1) inputs.Add(text);
                    else if (field == 2) outputs.Add(text);
                    else if (field == 3) name = text;
                    else if (field == 4) opType = text;
                    else domain = text;
                    break;
                case 5:
                    node.RequireWire(wire, WireType.LengthDelimited, "an attribute");
                    OnnxAttribute attribute = ReadAttribute(node.ReadMessage($"an attribute of node {index}"));
                    if (attributes.ContainsKey(attribute.Name))
                        throw node.Error($"the attribute '{attribute.Name}' appears twice");
                    attributes.Add(attribute.Name, attribute);
                    break;
                default:
                    node.Skip(wire);
                    break;
            }
        }
        return new OnnxNode(index, name, opType, domain, inputs.ToArray(), outputs.ToArray(), attributes);
    }

    private static OnnxAttribute ReadAttribute(ProtoReader attribute)
    {
        string name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        var ints = new List<long>();
        var floats = new List<float>();
        var strings = new List<string>();
        string s = "";
        OnnxTensor? tensor = null;
        while (!attribute.AtEnd)
        {
            (int field, WireType wire) = attribute.ReadKey();
            switch (field)
            {
                case 1:
                    attribute.RequireWire(wire, WireType.LengthDelimited, "the attribute's name");
                    name = attribute.ReadString();
                    break;
                case 20:
                    attribute.RequireWire(wire, WireType.Varint, "the attribute's type");
                    type = attribute.ReadInt32();
                    break;
                case 2:
                    attribute.RequireWire(wire, WireType.Fixed32, "a float attribute");
                    f = attribute.ReadFloat();
                    break;
                case 3:
                    attribute.RequireWire(wire, WireType.Varint, "an int attribute");
                    i = attribute.ReadInt64();
                    break;
                case 5:
                    attribute.RequireWire(wire, WireType.LengthDelimited, "a tensor attribute");
                    tensor = ReadTensor(attribute.ReadMessage("a tensor attribute"));
                    break;
                case 4:
                    attribute.RequireWire(wire, WireType.LengthDelimited, "a string attribute");
                    s = attribute.ReadString();
                    break;
                case 7:
                    attribute.ReadFloats(wire, floats);
                    break;
                case 8:
                    attribute.ReadInt64s(wire, ints);
                    break;
                case 9:
                    attribute.RequireWire(wire, WireType.LengthDelimited, "a strings attribute");
                    strings.Add(attribute.ReadString());
                    break;
                default:
                    attribute.Skip(wire);
                    break;
            }
        }
        return new OnnxAttribute(name, type, f, i, ints.ToArray(), tensor, s, strings.ToArray(), floats.ToArray());
    }

    private static OnnxTensor ReadTensor(ProtoReader tensor)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var longs = new List<long>();
        int dataType = 0;
        string name = "";
        byte[]? raw = null;
        while (!tensor.AtEnd)
        {
            (int field, WireType wire) = tensor.ReadKey();
            switch (field)
            {
                case 1:
                    tensor.ReadInt64s(wire, dims);
                    break;
                case 2:
                    tensor.RequireWire(wire, WireType.Varint, "the tensor's data type");
                    dataType = tensor.ReadInt32();
                    break;
                case 3:
                    throw tensor.Error("the tensor is split into segments, which this reader does not join");
                case 4:
                    tensor.ReadFloats(wire, floats);
                    break;
                case 7:
                    tensor.ReadInt64s(wire, longs);
                    break;
                case 8:
                    tensor.RequireWire(wire, WireType.LengthDelimited, "the tensor's name");
                    name = tensor.ReadString();
                    break;
                case 9:
                    tensor.RequireWire(wire, WireType.LengthDelimited, "the tensor's raw data");
                    raw = tensor.ReadBytes().ToArray();
                    break;
                case 13:
                case 14:
                    if (field == 14 && wire == WireType.Varint && tensor.ReadInt64() == 0)
                        break; // data_location DEFAULT
                    throw tensor.Error($"tensor '{name}' keeps its data in an external file; export the model with its weights inside it");
                default:
                    tensor.Skip(wire);
                    break;
            }
        }

        string what = name.Length > 0 ? $"tensor '{name}'" : "a tensor";
        long count = 1;
        foreach (long dim in dims)
        {
            if (dim < 0)
                throw tensor.Error($"{what} has the dimension {dim}");
            if (dim > 0 && count > int.MaxValue / dim)
                throw tensor.Error($"{what} has dims [{string.Join(", ", dims)}], too many elements");
            count *= dim;
        }
        if (dataType == OnnxTensor.Float)
        {
            float[] values;
            if (raw is not null)
            {
                if (floats.Count > 0 || raw.Length != count * 4)
                    throw tensor.Error($"{what} has dims [{string.Join(", ", dims)}], {count:N0} floats, but {(floats.Count > 0 ? "both raw and float data" : raw.Length.ToString("N0") + " bytes of raw data")}");
                values = new float[count];
                for (int k = 0; k < values.Length; k++)
                    values[k] = LittleEndian.ReadSingle(raw, k);
            }
            else
            {
                if (floats.Count != count)
                    throw tensor.Error($"{what} has dims [{string.Join(", ", dims)}], {count:N0} floats, but holds {floats.Count:N0}");
                values = floats.ToArray();
            }
            return new OnnxTensor(name, dataType, dims.ToArray(), values, null);
        }
        if (dataType == OnnxTensor.Int64)
        {
            long[] values;
            if (raw is not null)
            {
                if (longs.Count > 0 || raw.Length != count * 8)
                    throw tensor.Error($"{what} has dims [{string.Join(", ", dims)}], {count:N0} integers, but {(longs.Count > 0 ? "both raw and integer data" : raw.Length.ToString("N0") + " bytes of raw data")}");
                values = new long[count];
                for (int k = 0; k < values.Length; k++)
                    values[k] = BitConverter.IsLittleEndian ? BitConverter.ToInt64(raw, 8 * k) : System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(raw, 8 * k, 8));
            }
            else
            {
                if (longs.Count != count)
                    throw tensor.Error($"{what} has dims [{string.Join(", ", dims)}], {count:N0} integers, but holds {longs.Count:N0}");
                values = longs.ToArray();
            }
            return new OnnxTensor(name, dataType, dims.ToArray(), null, values);
        }
        // Other types are kept without data: a node that uses one as a weight or shape is refused by name.
        return new OnnxTensor(name, dataType, dims.ToArray(), null, null);
    }
}

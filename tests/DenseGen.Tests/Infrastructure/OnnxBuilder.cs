using System;
using System.Collections.Generic;
using System.Text;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Writes small ONNX models (onnx.proto's ModelProto) for tests of graph shapes no exporter writes on demand: nodes out
/// of order, chains of Identity and Constant nodes, cycles, inputs of other shapes. Nodes are written in the order
/// they are added. Written from the schema independently of the runtime's reader, so the two cannot share a mistake;
/// it writes what it is told, valid or not.
/// </summary>
internal sealed class OnnxBuilder
{
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private readonly long _opset;

    public OnnxBuilder(long opset = 13) => _opset = opset;

    /// <summary>A float graph input; each dimension a <see cref="long"/> size or a <see cref="string"/> symbol; null dims leave the shape out.</summary>
    public OnnxBuilder Input(string name, params object[]? dims)
    {
        _inputs.Add(ValueInfo(name, dims));
        return this;
    }

    /// <summary>A float graph output, its dimensions as for <see cref="Input"/>.</summary>
    public OnnxBuilder Output(string name, params object[]? dims)
    {
        _outputs.Add(ValueInfo(name, dims));
        return this;
    }

    /// <summary>An int64 graph output (an ArgMax's), its dimensions as for <see cref="Input"/>.</summary>
    public OnnxBuilder Int64Output(string name, params object[]? dims)
    {
        _outputs.Add(ValueInfo(name, dims, elementType: 7));
        return this;
    }

    /// <summary>A float32 initializer stored as raw data.</summary>
    public OnnxBuilder Initializer(string name, long[] dims, float[] values)
    {
        _initializers.Add(Tensor(name, dims, values));
        return this;
    }

    /// <summary>An int64 initializer stored as raw data (a Reshape's shape, a Slice's starts).</summary>
    public OnnxBuilder Int64Initializer(string name, long[] dims, long[] values)
    {
        var tensor = new Message();
        foreach (long dim in dims)
            tensor.Varint(1, (ulong)dim);
        tensor.Varint(2, 7); // INT64
        tensor.String(8, name);
        var raw = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
            BitConverter.TryWriteBytes(raw.AsSpan(8 * i), values[i]);
        _initializers.Add(tensor.Bytes(9, raw).ToArray());
        return this;
    }

    /// <summary>
    /// A node of the default domain; attributes are <see cref="long"/> (int), <see cref="float"/>, <see cref="long"/>[]
    /// (ints), <see cref="float"/>[] (floats), <see cref="string"/> or <see cref="string"/>[] (strings) values.
    /// </summary>
    public OnnxBuilder Node(string opType, string name, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new Message();
        foreach (string input in inputs)
            node.String(1, input);
        foreach (string output in outputs)
            node.String(2, output);
        node.String(3, name);
        node.String(4, opType);
        foreach ((string attributeName, object value) in attributes)
        {
            var attribute = new Message().String(1, attributeName);
            switch (value)
            {
                case float f: attribute.Fixed32(2, BitConverter.SingleToInt32Bits(f)).Varint(20, 1); break;
                case long i: attribute.Varint(3, (ulong)i).Varint(20, 2); break;
                case long[] ints:
                    foreach (long i in ints)
                        attribute.Varint(8, (ulong)i);
                    attribute.Varint(20, 7);
                    break;
                case float[] floats:
                    foreach (float f in floats)
                        attribute.Fixed32(7, BitConverter.SingleToInt32Bits(f));
                    attribute.Varint(20, 6);
                    break;
                case string text: attribute.String(4, text).Varint(20, 3); break;
                case string[] texts:
                    foreach (string text in texts)
                        attribute.String(9, text);
                    attribute.Varint(20, 8);
                    break;
                default: throw new ArgumentException($"attribute {attributeName} is a {value.GetType().Name}");
            }
            node.Bytes(5, attribute.ToArray());
        }
        _nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>A node of another domain than ONNX's own (NodeProto.domain), without attributes.</summary>
    public OnnxBuilder NodeOfDomain(string domain, string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new Message();
        foreach (string input in inputs)
            node.String(1, input);
        foreach (string output in outputs)
            node.String(2, output);
        _nodes.Add(node.String(3, name).String(4, opType).String(7, domain).ToArray());
        return this;
    }

    /// <summary>A <c>Constant</c> node whose <c>value</c> is a float32 tensor.</summary>
    public OnnxBuilder Constant(string name, string output, long[] dims, float[] values)
    {
        var attribute = new Message().String(1, "value").Bytes(5, Tensor("", dims, values)).Varint(20, 4);
        _nodes.Add(new Message().String(2, output).String(3, name).String(4, "Constant").Bytes(5, attribute.ToArray()).ToArray());
        return this;
    }

    /// <summary>A <c>ConstantOfShape</c> node filling with a float32 <paramref name="value"/>, or with ONNX's default (a float zero) when it is null.</summary>
    public OnnxBuilder ConstantOfShape(string name, string shape, string output, float? value)
    {
        var node = new Message().String(1, shape).String(2, output).String(3, name).String(4, "ConstantOfShape");
        if (value is { } fill)
            node.Bytes(5, new Message().String(1, "value").Bytes(5, Tensor("", [1], [fill])).Varint(20, 4).ToArray());
        _nodes.Add(node.ToArray());
        return this;
    }

    /// <summary>The model's bytes: IR version 8, the default opset, the graph as added.</summary>
    public byte[] Build()
    {
        var graph = new Message();
        foreach (byte[] node in _nodes)
            graph.Bytes(1, node);
        graph.String(2, "test");
        foreach (byte[] initializer in _initializers)
            graph.Bytes(5, initializer);
        foreach (byte[] input in _inputs)
            graph.Bytes(11, input);
        foreach (byte[] output in _outputs)
            graph.Bytes(12, output);
        return new Message()
            .Varint(1, 8)
            .String(2, "DenseGen.Tests")
            .Bytes(7, graph.ToArray())
            .Bytes(8, new Message().String(1, "").Varint(2, (ulong)_opset).ToArray())
            .ToArray();
    }

    private static byte[] Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Message();
        foreach (long dim in dims)
            tensor.Varint(1, (ulong)dim);
        tensor.Varint(2, 1); // FLOAT
        if (name.Length > 0)
            tensor.String(8, name);
        var raw = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
            BitConverter.TryWriteBytes(raw.AsSpan(4 * i), values[i]); // little-endian on every machine the tests run on
        return tensor.Bytes(9, raw).ToArray();
    }

    private static byte[] ValueInfo(string name, object[]? dims, ulong elementType = 1)
    {
        var tensorType = new Message().Varint(1, elementType); // elem_type: 1 FLOAT, 7 INT64
        if (dims is not null)
        {
            var shape = new Message();
            foreach (object dim in dims)
            {
                var dimension = dim switch
                {
                    long size => new Message().Varint(1, (ulong)size),
                    int size => new Message().Varint(1, (ulong)(long)size),
                    string symbol => new Message().String(2, symbol),
                    _ => throw new ArgumentException($"a dimension is a {dim.GetType().Name}"),
                };
                shape.Bytes(1, dimension.ToArray());
            }
            tensorType.Bytes(2, shape.ToArray());
        }
        return new Message().String(1, name).Bytes(2, new Message().Bytes(1, tensorType.ToArray()).ToArray()).ToArray();
    }

    /// <summary>One message's fields in protobuf's wire format.</summary>
    private sealed class Message
    {
        private readonly List<byte> _bytes = [];

        public Message Varint(int field, ulong value)
        {
            Key(field, 0);
            Raw(value);
            return this;
        }

        public Message Fixed32(int field, int value)
        {
            Key(field, 5);
            for (int b = 0; b < 4; b++)
                _bytes.Add((byte)(value >> (8 * b)));
            return this;
        }

        public Message Bytes(int field, byte[] value)
        {
            Key(field, 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public Message String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public byte[] ToArray() => [.. _bytes];

        private void Key(int field, int wire) => Raw(((ulong)field << 3) | (uint)wire);

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }
            _bytes.Add((byte)value);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using DenseGen.CompilerServices;
using DenseGen.Definitions;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// Every activation the activation table maps to an ONNX operator, written as that operator (with the table's
/// attributes) after a <c>Gemm</c>: ONNX Runtime runs it as DenseGen's activation computes, so the op type and
/// attributes are the right ones, and the runtime's ONNX reader reads it back as that activation and refuses other
/// attribute values. A new row with an ONNX operator is covered without a new test.
/// </summary>
public class OnnxActivationTests
{
    private const int Inputs = 3, Outputs = 4, Samples = 16;

    public static TheoryData<string> ActivationsWithAnOnnxOperator()
    {
        var data = new TheoryData<string>();
        foreach (ActivationRow row in ActivationTable.All.Where(r => r.Onnx is not null))
            data.Add(row.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ActivationsWithAnOnnxOperator))]
    public void TheOnnxOperatorIsReadAsItsActivation(string name)
    {
        ActivationRow row = ActivationTable.All.Single(r => r.Name == name);
        OnnxActivation onnx = row.Onnx!;
        (float[] weights, float[] bias) = Parameters();
        var activation = (Activation)row.Value;
        LayerDescription[] layers = [DenseLayer(activation)];

        // With the attributes at the table's values, and without them (the operator's defaults).
        foreach (byte[] model in new[] { Model(onnx.OpType, onnx.Attributes.Select(a => (a.Name, a.Value)), weights, bias), Model(onnx.OpType, [], weights, bias) })
        {
            float[][] tensors = NetworkFile.ParseOnnx<float>(model, "the model", layers);
            Assert.Equal(weights, tensors[0]);
            Assert.Equal(bias, tensors[1]);
        }

        // A network whose layer has no activation refuses it, naming the activation.
        byte[] withAttributes = Model(onnx.OpType, onnx.Attributes.Select(a => (a.Name, a.Value)), weights, bias);
        InvalidDataException other = Assert.Throws<InvalidDataException>(
            () => NetworkFile.ParseOnnx<float>(withAttributes, "the model", [DenseLayer(Activation.None)]));
        Assert.Equal($"the model: node 'gemm' (Gemm) is followed by {row.Name}; the network's layer 0 ('0') has none.", other.Message);

        // Another value of an attribute is another function: refused, naming the attribute and DenseGen's value.
        foreach (OnnxFloatAttribute attribute in onnx.Attributes)
        {
            float wrong = attribute.Value * 2;
            byte[] model = Model(onnx.OpType, [(attribute.Name, wrong)], weights, bias);
            InvalidDataException exception = Assert.Throws<InvalidDataException>(() => NetworkFile.ParseOnnx<float>(model, "the model", layers));
            Assert.Equal(
                $"the model: node 'act' ({onnx.OpType}) has {attribute.Name} {wrong.ToString("R", CultureInfo.InvariantCulture)}; "
                + $"DenseGen's {row.Prose} has {attribute.Meaning} {attribute.Value.ToString("R", CultureInfo.InvariantCulture)}.",
                exception.Message);
        }
    }

    [Theory]
    [MemberData(nameof(ActivationsWithAnOnnxOperator))]
    public void OnnxRuntimeComputesTheActivationWithinTheFloatBound(string name)
    {
        ActivationRow row = ActivationTable.All.Single(r => r.Name == name);
        (float[] weights, float[] bias) = Parameters();
        byte[] model = Model(row.Onnx!.OpType, row.Onnx.Attributes.Select(a => (a.Name, a.Value)), weights, bias);
        var random = new Random(7);
        float[] x = LayerChecks.RandomValues<float>(random, Samples * Inputs);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [Samples, Inputs]))]);
        float[] y = results.Single().AsEnumerable<float>().ToArray();

        // The tests' own double reference of the activation, with the float bound a layer's output is held to.
        var layer = new ChainReference.LayerValues(LayerChecks.Wide(weights), LayerChecks.Wide(bias), Inputs, Outputs, (Activation)row.Value);
        ChainReference.Chain chain = ChainReference.Compute(ErrorBound.FloatRoundoff, LayerChecks.Wide(x), new double[Samples * Outputs], [layer]);
        ChainReference.AssertWithin(LayerChecks.Wide(y), chain.Output, chain.OutputError, $"ONNX Runtime's {row.Onnx.OpType}");
    }

    /// <summary>A biased dense layer <c>Inputs → Outputs</c> named <c>0</c>, described as a generated network describes it.</summary>
    private static LayerDescription DenseLayer(Activation activation) => new(
        "0", "Dense", $"Dense(In = {Inputs}, Out = {Outputs}, Activation = {activation})", Inputs, Outputs, activation, true,
        new TensorDescription("weight", [Outputs, Inputs], TensorRole.Parameter, Inputs, Outputs, false),
        new TensorDescription("bias", [Outputs], TensorRole.Parameter, Inputs, Outputs, true));

    private static (float[] Weights, float[] Bias) Parameters()
    {
        var random = new Random(3);
        return (LayerChecks.RandomValues<float>(random, Outputs * Inputs), LayerChecks.RandomValues<float>(random, Outputs));
    }

    /// <summary>
    /// <c>y = op(Gemm(x, W, B, transB = 1))</c> at opset 17, as <c>torch.onnx.export</c> writes a Linear and its
    /// activation, with typed graph inputs and outputs so that ONNX Runtime loads it too.
    /// </summary>
    private static byte[] Model(string opType, IEnumerable<(string Name, float Value)> attributes, float[] weights, float[] bias)
    {
        byte[] gemm = Node("gemm", "Gemm", ["x", "W", "B"], "z", [.. Field(5, [.. Field(1, "transB"), .. Field(3, 1), .. Field(20, 2)])]);
        byte[] activation = Node("act", opType, ["z"], "y", [.. attributes.SelectMany(a => Field(5, [.. Field(1, a.Name), .. FloatField(2, a.Value), .. Field(20, 1)]))]);
        byte[] graph =
        [
            .. Field(1, gemm), .. Field(1, activation), .. Field(2, "activation"),
            .. Field(5, Tensor("W", [Outputs, Inputs], weights)), .. Field(5, Tensor("B", [Outputs], bias)),
            .. Field(11, Value("x", Inputs)), .. Field(12, Value("y", Outputs)),
        ];
        return [.. Field(1, 8), .. Field(8, [.. Field(1, ""), .. Field(2, 17)]), .. Field(7, graph)];
    }

    private static byte[] Node(string name, string opType, string[] inputs, string output, byte[] attributes) =>
        [.. inputs.SelectMany(i => Field(1, i)), .. Field(2, output), .. Field(3, name), .. Field(4, opType), .. attributes];

    private static byte[] Tensor(string name, long[] dims, float[] values) =>
        [.. dims.SelectMany(d => Field(1, d)), .. Field(2, 1), .. Field(4, values.SelectMany(BitConverter.GetBytes).ToArray()), .. Field(8, name)];

    /// <summary>A float tensor of <c>[batch, size]</c>.</summary>
    private static byte[] Value(string name, int size)
    {
        byte[] shape = [.. Field(1, Field(2, "batch")), .. Field(1, Field(1, size))];
        return [.. Field(1, name), .. Field(2, Field(1, [.. Field(1, 1), .. Field(2, shape)]))];
    }

    private static byte[] Field(int number, byte[] message) => [.. Varint((ulong)(number << 3 | 2)), .. Varint((ulong)message.Length), .. message];

    private static byte[] Field(int number, string text) => Field(number, Encoding.UTF8.GetBytes(text));

    private static byte[] Field(int number, long value) => [.. Varint((ulong)(number << 3)), .. Varint((ulong)value)];

    private static byte[] FloatField(int number, float value)
    {
        Assert.True(BitConverter.IsLittleEndian);
        return [.. Varint((ulong)(number << 3 | 5)), .. BitConverter.GetBytes(value)];
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7)
            bytes.Add((byte)(value | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }
}

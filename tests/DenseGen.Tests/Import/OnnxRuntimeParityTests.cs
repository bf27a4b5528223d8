using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Networks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace DenseGen.Tests.Import;

/// <summary>
/// The fixtures' ONNX files run in ONNX Runtime 1.31.1 and, imported, in DenseGen, on random batches of 1 and 64:
/// both outputs must lie within the float bound of a double reference of the chain on the model's weights.
/// </summary>
public class OnnxRuntimeParityTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, int> Models()
    {
        var data = new TheoryData<string, int>();
        foreach (string model in new[] { "mlp.opset9.onnx", "mlp.opset13.onnx", "mlp.opset17.onnx", "mlp.helper.onnx", "matmul.opset9.onnx", "matmul.opset17.onnx", "elu.opset17.onnx", "silu.opset9.onnx", "silu.opset17.onnx", "leaky02.opset17.onnx" })
        {
            data.Add(model, 1);
            data.Add(model, 64);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OnnxRuntimeAndDenseGenAgreeWithinTheFloatBound(string model, int batch)
    {
        (ITrainableModule<float> network, ChainReference.LayerValues[] layers) = Import(model);
        int inputs = layers[0].In, outputs = layers[^1].Out;
        var random = new Random(batch * 31 + model.Length);
        float[] x = LayerChecks.RandomValues<float>(random, batch * inputs);

        var y = new float[batch * outputs];
        network.Forward(x, y);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxImportTests.Fixture(model), options);
        string input = session.InputMetadata.Keys.Single();
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results =
            session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(x, [batch, inputs]))]);
        float[] reference = results.Single().AsEnumerable<float>().ToArray();

        double[] dy = new double[batch * outputs];
        ChainReference.Chain chain = ChainReference.Compute(ErrorBound.FloatRoundoff, LayerChecks.Wide(x), dy, layers);
        ChainReference.AssertWithin(LayerChecks.Wide(reference), chain.Output, chain.OutputError, "ONNX Runtime output");
        ChainReference.AssertWithin(LayerChecks.Wide(y), chain.Output, chain.OutputError, "DenseGen output");
        output.WriteLine($"{model}, batch {batch}: " + ChainReference.Parity(LayerChecks.Wide(y), LayerChecks.Wide(reference), chain.Output, chain.OutputError));
    }

    private static (ITrainableModule<float> Network, ChainReference.LayerValues[] Layers) Import(string model)
    {
        if (model.StartsWith("elu", StringComparison.Ordinal))
        {
            var elu = new TorchElu();
            elu.LoadOnnx(OnnxImportTests.Fixture(model));
            return (elu, [ChainReference.Layer(elu.First), ChainReference.Layer(elu.Second), ChainReference.Layer(elu.Third)]);
        }
        if (model.StartsWith("silu", StringComparison.Ordinal))
        {
            var silu = new TorchSiLU();
            silu.LoadOnnx(OnnxImportTests.Fixture(model));
            return (silu, [ChainReference.Layer(silu.First), ChainReference.Layer(silu.Second), ChainReference.Layer(silu.Third)]);
        }
        if (model.StartsWith("leaky02", StringComparison.Ordinal))
        {
            var leaky = new TorchLeaky02();
            leaky.LoadOnnx(OnnxImportTests.Fixture(model));
            return (leaky, [ChainReference.Layer(leaky.First), ChainReference.Layer(leaky.Second), ChainReference.Layer(leaky.Third)]);
        }
        if (model.StartsWith("matmul", StringComparison.Ordinal))
        {
            var matmul = new TorchMatMulNet();
            matmul.LoadOnnx(OnnxImportTests.Fixture(model));
            return (matmul, [ChainReference.Layer(matmul.First), ChainReference.Layer(matmul.Second), ChainReference.Layer(matmul.Third)]);
        }
        var mlp = new TorchMlp();
        mlp.LoadOnnx(OnnxImportTests.Fixture(model));
        return (mlp, [ChainReference.Layer(mlp.First), ChainReference.Layer(mlp.Second), ChainReference.Layer(mlp.Third)]);
    }
}

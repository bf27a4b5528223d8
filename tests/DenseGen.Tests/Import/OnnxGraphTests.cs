using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DenseGen.Formats;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests.Import;

[Dense(In = 784, Out = 2)] public partial class M784x2;

[Dense(In = 5, Out = 3, Activation = Activation.SiLU, Bias = false)] public partial class M5x3SiLUNoBias;

/// <summary>One bias-free SiLU layer: nn.Linear(5, 3, bias=False) then nn.SiLU() exports as MatMul, Sigmoid and Mul.</summary>
[Sequential(MaxBatch = 4)]
public partial class BiasFreeSiLUNet
{
    public readonly M5x3SiLUNoBias Only = new();
}

/// <summary>One layer over a 1×28×28 image, flattened: the input's [C, H, W] shape is an implicit flatten.</summary>
[Sequential(MaxBatch = 4)]
public partial class ImageNet
{
    public readonly M784x2 Only = new();
}

/// <summary>
/// The ONNX reader reads a graph, not a file: models written by <see cref="OnnxBuilder"/> with the layers of
/// <see cref="TorchMlp"/> (5→7 ReLU, 7→4 Tanh, 4→3), stored out of order, with Constant and Identity chains, with
/// inputs of other shapes, and with cycles, loaded through <c>LoadOnnx</c> and read by <see cref="OnnxGraph"/> itself.
/// </summary>
public class OnnxGraphTests
{
    private const string Source = "the ONNX model";

    // Distinct values, none a simple pattern, so a transposed, swapped or reordered load cannot pass.
    private static readonly float[] W0 = Values(7 * 5, 1), B0 = Values(7, 2), W2 = Values(4 * 7, 3), B2 = Values(4, 4), W4 = Values(3 * 4, 5), B4 = Values(3, 6);

    private static float[] Values(int count, int seed) => Enumerable.Range(0, count).Select(i => (float)Math.Sin(100 * seed + i)).ToArray();

    /// <summary>The MLP's nodes in topological order, each Gemm storing its weights [Out, In] (transB = 1).</summary>
    private static List<Action<OnnxBuilder>> MlpNodes(string firstInput = "x") =>
    [
        b => b.Node("Gemm", "fc0", [firstInput, "w0", "b0"], ["g0"], ("transB", 1L)),
        b => b.Node("Relu", "relu0", ["g0"], ["a0"]),
        b => b.Node("Gemm", "fc2", ["a0", "w2", "b2"], ["g2"], ("transB", 1L)),
        b => b.Node("Tanh", "tanh2", ["g2"], ["a2"]),
        b => b.Node("Gemm", "fc4", ["a2", "w4", "b4"], ["y"], ("transB", 1L)),
    ];

    /// <summary>A model of the given nodes in the given order, input <c>x</c> of shape [batch, 5], the MLP's weights as initializers (but those named in <paramref name="without"/>).</summary>
    private static byte[] Model(IEnumerable<Action<OnnxBuilder>> nodes, params string[] without) => ModelWithInput(["batch", 5L], nodes, without);

    /// <summary>As <see cref="Model"/>, with the input's shape given (null: none declared).</summary>
    private static byte[] ModelWithInput(object[]? inputShape, IEnumerable<Action<OnnxBuilder>> nodes, params string[] without)
    {
        var builder = new OnnxBuilder().Input("x", inputShape).Output("y", "batch", 3L);
        foreach ((string name, long[] dims, float[] values) in new[]
        {
            ("w0", new long[] { 7, 5 }, W0), ("b0", [7], B0), ("w2", [4, 7], W2), ("b2", [4], B2), ("w4", [3, 4], W4), ("b4", [3], B4),
        })
        {
            if (!without.Contains(name))
                builder.Initializer(name, dims, values);
        }
        foreach (Action<OnnxBuilder> node in nodes)
            node(builder);
        return builder.Build();
    }

    private static void AssertHoldsTheMlpsWeights(TorchMlp network)
    {
        Assert.Equal(W0, network.First.Weights.ToArray());
        Assert.Equal(B0, network.First.Bias.ToArray());
        Assert.Equal(W2, network.Second.Weights.ToArray());
        Assert.Equal(B2, network.Second.Bias.ToArray());
        Assert.Equal(W4, network.Third.Weights.ToArray());
        Assert.Equal(B4, network.Third.Bias.ToArray());
    }

    private static float[][] Parameters(ITrainable<float> network) =>
        Enumerable.Range(0, network.ParameterTensorCount).Select(i => network.ParameterTensor(i).ToArray()).ToArray();

    /// <summary>Loading must fail with exactly this message and leave the network as it was.</summary>
    private static void AssertRefused(byte[] model, string message)
    {
        var network = new TorchMlp();
        float[][] before = Parameters(network);
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => network.LoadOnnx(model));
        Assert.Equal(Source + ": " + message + ".", exception.Message);
        Assert.Equal(before, Parameters(network));
    }

    public static TheoryData<string, int[]> Orders() => new()
    {
        { "in order", [0, 1, 2, 3, 4] },
        { "reversed", [4, 3, 2, 1, 0] },
        { "shuffled", [2, 4, 0, 3, 1] },
        { "last layer first", [4, 0, 1, 2, 3] },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void AGraphStoredOutOfTopologicalOrderLoadsTheSameWeights(string name, int[] order)
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        var inOrder = new TorchMlp();
        inOrder.LoadOnnx(Model(nodes));
        var stored = new TorchMlp();
        stored.LoadOnnx(Model(order.Select(i => nodes[i])));
        Assert.True(Parameters(inOrder).Zip(Parameters(stored)).All(p => p.First.SequenceEqual(p.Second)), name);
        AssertHoldsTheMlpsWeights(stored);
    }

    [Fact]
    public void ConstantIdentityChainsUsedAsWeightsFold()
    {
        // w0 is a Constant passed through two Identity nodes, b2 an initializer passed through one, and the chain of
        // w0 is stored after the Gemm that takes it.
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        nodes.AddRange(
        [
            b => b.Node("Identity", "w0.second", ["w0.first"], ["w0"]),
            b => b.Node("Identity", "w0.first", ["w0.constant"], ["w0.first"]),
            b => b.Constant("w0.node", "w0.constant", [7, 5], W0),
            b => b.Initializer("b2.stored", [4], B2),
            b => b.Node("Identity", "b2.identity", ["b2.stored"], ["b2"]),
        ]);
        var network = new TorchMlp();
        network.LoadOnnx(Model(nodes, "w0", "b2"));
        AssertHoldsTheMlpsWeights(network);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnIdentityChainBetweenLayersAndBeforeTheOutputFolds(bool reversed)
    {
        List<Action<OnnxBuilder>> nodes =
        [
            b => b.Node("Identity", "into", ["x"], ["x.i"]),
            b => b.Node("Gemm", "fc0", ["x.i", "w0", "b0"], ["g0"], ("transB", 1L)),
            b => b.Node("Relu", "relu0", ["g0"], ["a0"]),
            b => b.Node("Identity", "between.1", ["a0"], ["a0.i"]),
            b => b.Node("Identity", "between.2", ["a0.i"], ["a0.ii"]),
            b => b.Node("Identity", "between.3", ["a0.ii"], ["a0.iii"]),
            b => b.Node("Gemm", "fc2", ["a0.iii", "w2", "b2"], ["g2"], ("transB", 1L)),
            b => b.Node("Tanh", "tanh2", ["g2"], ["a2"]),
            b => b.Node("Gemm", "fc4", ["a2", "w4", "b4"], ["g4"], ("transB", 1L)),
            b => b.Node("Identity", "out.1", ["g4"], ["g4.i"]),
            b => b.Node("Identity", "out.2", ["g4.i"], ["y"]),
        ];
        if (reversed)
            nodes.Reverse();
        var network = new TorchMlp();
        network.LoadOnnx(Model(nodes));
        AssertHoldsTheMlpsWeights(network);
    }

    public static TheoryData<object[], string> MismatchedInputs() => new()
    {
        { ["batch", 6L], "the graph input 'x' has shape [batch, 6], 6 values per sample; the network's layer 0 ('0') takes 5" },
        { [1L, 2L, 2L], "the graph input 'x' has shape [1, 2, 2], 4 values per sample; the network's layer 0 ('0') takes 5" },
        { ["N", 1L, 5L, 0L], "the graph input 'x' has shape [N, 1, 5, 0], 0 values per sample; the network's layer 0 ('0') takes 5" },
        { ["batch", 4294967296L, 4294967296L], "the graph input 'x' has shape [batch, 4294967296, 4294967296], more than 2,147,483,647 values per sample; the network's layer 0 ('0') takes 5" },
    };

    [Theory]
    [MemberData(nameof(MismatchedInputs))]
    public void AnInputWhosePerSampleShapeDoesNotHoldTheFirstLayerIsRefusedNamingIt(object[] shape, string message) =>
        AssertRefused(ModelWithInput(shape, MlpNodes()), message);

    public static TheoryData<object[]?> FittingInputs() => new()
    {
        { ["batch", 5L] },
        { [1L, 5L] },
        { ["batch", 1L, 5L, 1L] }, // one channel of 5×1: an implicit flatten
        { ["batch", "features"] }, // a symbol: nothing to check
        { ["batch", 5L, "?"] },
        { [5L] }, // no batch dimension to tell apart
        { null }, // no shape declared
    };

    [Theory]
    [MemberData(nameof(FittingInputs))]
    public void AnInputWhoseShapeFitsOrCannotBeKnownLoads(object[]? shape)
    {
        var network = new TorchMlp();
        network.LoadOnnx(ModelWithInput(shape, MlpNodes()));
        AssertHoldsTheMlpsWeights(network);
    }

    [Fact]
    public void AnImageInputOfOneChannelOf28By28LoadsIntoA784InputLayer()
    {
        float[] weights = Values(2 * 784, 7), bias = Values(2, 8);
        byte[] model = new OnnxBuilder().Input("image", "batch", 1L, 28L, 28L).Output("logits", "batch", 2L)
            .Initializer("w", [2, 784], weights).Initializer("b", [2], bias)
            .Node("Flatten", "flatten", ["image"], ["flat"])
            .Node("Gemm", "fc", ["flat", "w", "b"], ["logits"], ("transB", 1L))
            .Build();
        var network = new ImageNet();
        network.LoadOnnx(model);
        Assert.Equal(weights, network.Only.Weights.ToArray());
        Assert.Equal(bias, network.Only.Bias.ToArray());

        byte[] wrong = new OnnxBuilder().Input("image", "batch", 3L, 28L, 28L).Output("logits", "batch", 2L)
            .Initializer("w", [2, 784], weights).Initializer("b", [2], bias)
            .Node("Flatten", "flatten", ["image"], ["flat"])
            .Node("Gemm", "fc", ["flat", "w", "b"], ["logits"], ("transB", 1L))
            .Build();
        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => new ImageNet().LoadOnnx(wrong));
        Assert.Equal("the ONNX model: the graph input 'image' has shape [batch, 3, 28, 28], 2352 values per sample; the network's layer 0 ('only') takes 784.", exception.Message);
    }

    public static TheoryData<string, string> Cycles() => new()
    {
        {
            "two nodes",
            "node 'add' (Add) is on a cycle (node 'add' (Add) → node 'relu' (Relu) → node 'add' (Add)); an ONNX graph has none"
        },
        { "one node", "node 'self' (Relu) is on a cycle (node 'self' (Relu) → node 'self' (Relu)); an ONNX graph has none" },
        { "identities", "node 'i1' (Identity) is on a cycle of Identity nodes that pass 'b' round to itself" },
    };

    [Theory]
    [MemberData(nameof(Cycles))]
    public void ACycleIsRefusedNamingANodeOnIt(string kind, string message)
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        switch (kind)
        {
            case "two nodes":
                // a0 = relu(add(g0, a0)): the ReLU's output feeds back into the Add before it.
                nodes[1] = b => b.Node("Add", "add", ["g0", "a0"], ["s0"]);
                nodes.Insert(2, b => b.Node("Relu", "relu", ["s0"], ["a0"]));
                break;
            case "one node":
                nodes.Add(b => b.Node("Relu", "self", ["loop"], ["loop"]));
                break;
            default:
                nodes.Add(b => b.Node("Identity", "i1", ["a"], ["b"]));
                nodes.Add(b => b.Node("Identity", "i2", ["b"], ["a"]));
                break;
        }
        AssertRefused(Model(nodes), message);
    }

    [Fact]
    public void ANodeTakingAValueNothingGivesIsRefusedNamingIt() =>
        AssertRefused(Model(MlpNodes(), "w2"), "node 'fc2' (Gemm) takes 'w2', which no node, initializer or graph input gives");

    [Fact]
    public void AValueTwoNodesComputeIsRefusedNamingBoth()
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        nodes.Add(b => b.Node("Sigmoid", "again", ["g0"], ["a0"]));
        AssertRefused(Model(nodes), "node 'again' (Sigmoid) computes 'a0', which node 'relu0' (Relu) computes too");
    }

    [Fact]
    public void AValueTakenByTwoNodesIsRefused()
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        nodes.Add(b => b.Node("Shape", "shape", ["x"], ["x.shape"]));
        AssertRefused(Model(nodes), "'x' is taken by node 'fc0' (Gemm) and node 'shape' (Shape); DenseGen imports a chain of layers, each taking the one before");
    }

    [Fact]
    public void ANodeOffTheChainIsRefused()
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        nodes.Add(b => b.Node("Relu", "stray", ["b0"], ["unused"]));
        AssertRefused(Model(nodes), "node 'stray' (Relu) is not on the chain from 'x'; DenseGen imports a chain of layers");
    }

    public static TheoryData<string, string> ChainsThatAreNotTheNetwork() => new()
    {
        // One layer short: the chain ends where the network's third layer would start.
        { "two layers", "the model has 2 layers; the network has 3" },
        // One layer over: a fourth Gemm after the third layer.
        { "four layers", "node 'fc6' (Gemm) starts layer 4, but the network has 3 layers" },
        // A second activation after a layer's own.
        { "two activations", "node 'again' (Sigmoid) does not follow a Gemm or MatMul; DenseGen applies one activation per layer" },
        // An Add after a Gemm: a Gemm's bias is its third input.
        { "add after gemm", "node 'add' (Add) is not the bias of a MatMul just before it" },
        // An op of the default domain that no layer kind maps.
        { "softmax", "node 'softmax' (Softmax) is not an operator DenseGen imports (Gemm, MatMul, Add, Mul, Relu, LeakyRelu, Sigmoid, Tanh, Elu, LSTM, Squeeze, Transpose, GRU, Concat, Flatten, Identity, Reshape)" },
    };

    /// <summary>The walk hands each layer to its kind's mapping and refuses a chain of other layers, naming the node, and changes nothing.</summary>
    [Theory]
    [MemberData(nameof(ChainsThatAreNotTheNetwork))]
    public void AChainOfOtherLayersIsRefusedNamingTheNode(string kind, string message)
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        switch (kind)
        {
            case "two layers":
                nodes.RemoveAt(4);
                nodes[3] = b => b.Node("Tanh", "tanh2", ["g2"], ["y"]);
                break;
            case "four layers":
                nodes[4] = b => b.Node("Gemm", "fc4", ["a2", "w4", "b4"], ["g4"], ("transB", 1L));
                nodes.Add(b => b.Initializer("w6", [3, 3], Values(9, 7)));
                nodes.Add(b => b.Node("Gemm", "fc6", ["g4", "w6"], ["y"], ("transB", 1L)));
                break;
            case "two activations":
                nodes[1] = b => b.Node("Relu", "relu0", ["g0"], ["r0"]);
                nodes.Add(b => b.Node("Sigmoid", "again", ["r0"], ["a0"]));
                break;
            case "add after gemm":
                nodes[0] = b => b.Node("Gemm", "fc0", ["x", "w0", "b0"], ["p0"], ("transB", 1L));
                nodes.Add(b => b.Node("Add", "add", ["p0", "b0"], ["g0"]));
                break;
            default:
                nodes[4] = b => b.Node("Gemm", "fc4", ["a2", "w4", "b4"], ["g4"], ("transB", 1L));
                nodes.Add(b => b.Node("Softmax", "softmax", ["g4"], ["y"]));
                break;
        }
        AssertRefused(Model(nodes), message);
    }

    /// <summary>
    /// Godot RL Agents' form: a second input passed unchanged to a second output (state_ins → Identity → state_outs)
    /// is set aside with that output, and a Concat of the one observation passes through.
    /// </summary>
    [Fact]
    public void AnInputPassedThroughToAnOutputAndAOneInputConcatAreSetAside()
    {
        var network = new TorchMlp();
        network.LoadOnnx(GodotFormModel());
        AssertHoldsTheMlpsWeights(network);
    }

    /// <summary>
    /// <see cref="TorchMlp"/>'s layers in the form Godot RL Agents exports (a one-input Concat of the observation, and
    /// state_ins → Identity → state_outs), stored last node first, its first weight a Constant behind an Identity: every
    /// form the graph reader folds or sets aside, in one model, which <see cref="OnnxFuzzTests"/> also mutates.
    /// </summary>
    internal static byte[] GodotFormModel()
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes("x.joined");
        nodes.Add(b => b.Node("Concat", "concat", ["x"], ["x.joined"], ("axis", 1L)));
        nodes.Add(b => b.Input("state_ins", "batch").Output("state_outs", "batch"));
        nodes.Add(b => b.Node("Identity", "state", ["state_ins"], ["state_outs"]));
        nodes.Add(b => b.Node("Identity", "w0.identity", ["w0.constant"], ["w0"]));
        nodes.Add(b => b.Constant("w0.node", "w0.constant", [7, 5], W0));
        nodes.Reverse();
        return Model(nodes, "w0");
    }

    /// <summary>
    /// A bias-free layer's MatMul output taken by SiLU's Sigmoid and Mul (two takers, where a biased MatMul has its Add)
    /// loads, its [In, Out] weights transposed.
    /// </summary>
    [Fact]
    public void ABiasFreeMatMulFollowedBySiLULoads()
    {
        float[] weights = Values(5 * 3, 9); // [In, Out] as MatMul stores them
        byte[] model = new OnnxBuilder().Input("x", "batch", 5L).Output("y", "batch", 3L)
            .Initializer("w", [5, 3], weights)
            .Node("Mul", "mul", ["z", "s"], ["y"])
            .Node("Sigmoid", "sigmoid", ["z"], ["s"])
            .Node("MatMul", "matmul", ["x", "w"], ["z"])
            .Build();
        var network = new BiasFreeSiLUNet();
        network.LoadOnnx(model);
        float[] expected = Enumerable.Range(0, 15).Select(k => weights[(k % 5) * 3 + k / 5]).ToArray(); // [Out, In]
        Assert.Equal(expected, network.Only.Weights.ToArray());

        // A pass-through op between the product and SiLU's two ops is stepped over, as before any single-op activation.
        byte[] flattened = new OnnxBuilder().Input("x", "batch", 5L).Output("y", "batch", 3L)
            .Initializer("w", [5, 3], weights)
            .Node("MatMul", "matmul", ["x", "w"], ["p"])
            .Node("Flatten", "flatten", ["p"], ["z"])
            .Node("Sigmoid", "sigmoid", ["z"], ["s"])
            .Node("Mul", "mul", ["s", "z"], ["y"])
            .Build();
        var throughFlatten = new BiasFreeSiLUNet();
        throughFlatten.LoadOnnx(flattened);
        Assert.Equal(expected, throughFlatten.Only.Weights.ToArray());
    }

    public static TheoryData<string, string> InputsTheNetworkDoesNotTake() => new()
    {
        // The second input feeds a computation of its own: it is an input of the model the network does not have.
        { "computed state", "the graph has 2 inputs besides its weights ('x', 'state_ins'); a network takes one" },
        // A Concat of two values joins the observation with something else (here a constant; the state passes through).
        { "two-input concat", "node 'concat' (Concat) joins 2 values; DenseGen passes through a Concat of one input only, since a network takes one input" },
    };

    [Theory]
    [MemberData(nameof(InputsTheNetworkDoesNotTake))]
    public void AnInputThatFeedsAComputationIsRefusedNamingIt(string kind, string message)
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes("x.joined");
        nodes.Add(b => b.Input("state_ins", "batch").Output("state_outs", "batch"));
        if (kind == "computed state")
        {
            nodes.Add(b => b.Node("Concat", "concat", ["x"], ["x.joined"], ("axis", 1L)));
            nodes.Add(b => b.Node("Relu", "state", ["state_ins"], ["state_outs"]));
        }
        else
        {
            nodes.Add(b => b.Initializer("extra", [1, 1], [0f]));
            nodes.Add(b => b.Node("Concat", "concat", ["x", "extra"], ["x.joined"], ("axis", 1L)));
            nodes.Add(b => b.Node("Identity", "state", ["state_ins"], ["state_outs"]));
        }
        AssertRefused(Model(nodes), message);
    }

    [Fact]
    public void TheGraphOrdersNodesTopologicallyKeepingTheFilesOrderBetweenTies()
    {
        // A diamond stored backwards: a = relu(x); b = relu(a); c = tanh(a); d = b + c.
        byte[] bytes = new OnnxBuilder().Input("x", "batch", 3L).Output("d", "batch", 3L)
            .Node("Add", "d", ["b", "c"], ["d"])
            .Node("Relu", "b", ["a.alias"], ["b"])
            .Node("Tanh", "c", ["a"], ["c"])
            .Node("Identity", "alias", ["a"], ["a.alias"])
            .Node("Relu", "a", ["x"], ["a"])
            .Build();
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(bytes, Source, ""), Source);

        Assert.Equal(["a", "b", "c", "d"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(["b", "c"], graph.Consumers("a").Select(n => n.Name));
        Assert.Equal(["b", "c"], graph.Consumers("a.alias").Select(n => n.Name));
        Assert.Equal("a", graph.Resolve("a.alias"));
        Assert.Equal(["a"], graph.Nodes.Single(n => n.Name == "b").Inputs); // read through the Identity
        Assert.Equal("a", graph.Producer("a.alias")!.Name);
        Assert.Equal("d", graph.Producer("d")!.Name);
        Assert.Null(graph.Producer("x"));
        Assert.Empty(graph.Consumers("d"));
        Assert.Equal(["d"], graph.Outputs);
        Assert.Equal(4, graph.Nodes.Select(n => n.Index).Distinct().Count()); // the file's positions, for messages
    }

    [Fact]
    public void AGraphInOrderKeepsItsOrder()
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(Model(nodes), Source, ""), Source);
        Assert.Equal(["fc0", "relu0", "fc2", "tanh2", "fc4"], graph.Nodes.Select(n => n.Name));
        Assert.Equal([0, 1, 2, 3, 4], graph.Nodes.Select(n => n.Index));
    }

    [Fact]
    public void TheGraphFoldsConstantsAndKeepsTheDataInputsShapes()
    {
        // IR version 3 listed initializers among the inputs: they are not data.
        byte[] bytes = new OnnxBuilder().Input("x", "batch", 1L, 2L, 2L).Input("w", 3L, 4L).Output("y", "batch", 3L)
            .Initializer("w", [3, 4], Values(12, 9))
            .Constant("k", "k.value", [2], [1f, 2f])
            .Node("Identity", "k.1", ["k.value"], ["k.alias"])
            .Node("Identity", "k.2", ["k.alias"], ["k.alias2"])
            .Node("Flatten", "flatten", ["x"], ["flat"])
            .Node("Gemm", "fc", ["flat", "w"], ["y"], ("transB", 1L))
            .Build();
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(bytes, Source, ""), Source);

        Assert.Equal(["flatten", "fc"], graph.Nodes.Select(n => n.Name));
        Assert.True(graph.TryGetConstant("k.alias2", out OnnxTensor k));
        Assert.Equal([1f, 2f], k.Floats!);
        Assert.True(graph.TryGetConstant("w", out OnnxTensor w));
        Assert.Equal([3L, 4L], w.Dims);
        Assert.False(graph.TryGetConstant("flat", out _));
        Assert.Equal(["k.value", "w"], graph.Constants.Keys.Order());
        OnnxValueInfo input = Assert.Single(graph.DataInputs);
        Assert.Equal("x", input.Name);
        Assert.Equal(OnnxTensor.Float, input.ElementType);
        Assert.Equal("[batch, 1, 2, 2]", input.ShapeText);
        Assert.Equal([-1L, 1, 2, 2], input.Shape!.Select(d => d.Value));
        Assert.Equal("batch", input.Shape![0].Symbol);
    }

    [Fact]
    public void LongChainsAndGraphsStoredBackwardsAreReadWithoutRecursion()
    {
        // 20,000 ReLUs stored last first, and an Identity chain as long, would overflow a recursive walk's stack.
        const int Count = 20_000;
        var builder = new OnnxBuilder().Input("x", "batch", 5L).Output("y", "batch", 5L);
        builder.Node("Identity", "last", ["r" + Count], ["y"]);
        for (int i = Count; i >= 1; i--)
            builder.Node("Identity", "i" + i, ["i" + (i - 1)], ["i" + i]);
        builder.Node("Identity", "i0", ["x"], ["i0"]);
        for (int i = Count; i >= 1; i--)
            builder.Node("Relu", "r" + i, [i == 1 ? "i" + Count : "r" + (i - 1)], ["r" + i]);
        OnnxGraph graph = OnnxGraph.Build(OnnxModel.Parse(builder.Build(), Source, ""), Source);

        Assert.Equal(Enumerable.Range(1, Count).Select(i => "r" + i), graph.Nodes.Select(n => n.Name));
        Assert.Equal("x", graph.Nodes[0].Inputs[0]);
        Assert.Equal(["r" + Count], graph.Outputs);
    }

    [Fact]
    public void TheModelKeepsPyTorchsInputAndOutputShapes()
    {
        OnnxModel model = OnnxModel.Parse(File.ReadAllBytes(OnnxImportTests.Fixture("mlp.opset17.onnx")), Source, "");
        OnnxValueInfo input = Assert.Single(model.Inputs);
        OnnxValueInfo output = Assert.Single(model.Outputs);
        Assert.Equal(("x", OnnxTensor.Float, "[batch, 5]"), (input.Name, input.ElementType, input.ShapeText));
        Assert.Equal(("y", OnnxTensor.Float, "[batch, 3]"), (output.Name, output.ElementType, output.ShapeText));
        Assert.False(input.Shape![0].IsKnown);
        Assert.Equal(5, input.Shape![1].Value);
    }

    public static TheoryData<string> BothCopiesCases() => ["reversed", "cycle", "shape"];

    /// <summary>The generator compiles the same files for baked weights: its copy must accept and refuse alike.</summary>
    [Theory]
    [MemberData(nameof(BothCopiesCases))]
    public void TheGeneratorsCopyReadsTheGraphAlike(string kind)
    {
        List<Action<OnnxBuilder>> nodes = MlpNodes();
        if (kind == "cycle")
            nodes.Add(b => b.Node("Relu", "self", ["loop"], ["loop"]));
        byte[] bytes = ModelWithInput(kind == "shape" ? ["batch", 2L, 3L] : ["batch", 5L], kind == "reversed" ? Enumerable.Reverse(nodes) : nodes);
        (string Name, int In, int Out, string Activation)[] dense = [("0", 5, 7, "ReLU"), ("2", 7, 4, "Tanh"), ("4", 4, 3, "None")];
        ExpectedLayer[] runtimeLayers = dense.Select(l => new ExpectedLayer(
            l.Name, "Dense", $"Dense(In = {l.In}, Out = {l.Out}, Activation = {l.Activation})", l.In, l.Out, l.Activation, 0.01,
            [new ExpectedTensor("weight", [l.Out, l.In]), new ExpectedTensor("bias", [l.Out])])).ToArray();
        DenseGen.Generator.Formats.ExpectedLayer[] generatorLayers = dense.Select(l => new DenseGen.Generator.Formats.ExpectedLayer(
            l.Name, "Dense", $"Dense(In = {l.In}, Out = {l.Out}, Activation = {l.Activation})", l.In, l.Out, l.Activation, 0.01,
            [new DenseGen.Generator.Formats.ExpectedTensor("weight", [l.Out, l.In]), new DenseGen.Generator.Formats.ExpectedTensor("bias", [l.Out])])).ToArray();

        (string? Error, double[][]? Tensors) Runtime()
        {
            try
            {
                return (null, OnnxLayers.Map(OnnxModel.Parse(bytes, Source, ""), Source, runtimeLayers).SelectMany(l => l).ToArray());
            }
            catch (InvalidDataException exception)
            {
                return (exception.Message, null);
            }
        }
        (string? Error, double[][]? Tensors) InGenerator()
        {
            try
            {
                return (null, DenseGen.Generator.Formats.OnnxLayers.Map(DenseGen.Generator.Formats.OnnxModel.Parse(bytes, Source, ""), Source, generatorLayers).SelectMany(l => l).ToArray());
            }
            catch (InvalidDataException exception)
            {
                return (exception.Message, null);
            }
        }

        (string? runtimeError, double[][]? runtimeTensors) = Runtime();
        (string? generatorError, double[][]? generatorTensors) = InGenerator();
        Assert.Equal(runtimeError, generatorError);
        Assert.Equal(runtimeTensors, generatorTensors);
        Assert.Equal(kind == "reversed", runtimeError is null);
    }
}

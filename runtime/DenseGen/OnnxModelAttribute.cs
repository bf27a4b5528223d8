using System;

namespace DenseGen;

/// <summary>
/// Generates a whole network from an ONNX file at compile time: a <c>partial class</c> with this attribute gets the
/// graph's dense layers specialized as <c>[Dense]</c> layers are, its weights baked in, and a <c>Forward</c> that takes
/// one span per graph input its outputs read and one span per computed output, in graph order. Policies exported by
/// Unity ML-Agents and Godot RL Agents are the models this is for; docs/import.md lists the supported operators.
/// </summary>
/// <example>
/// <code>
/// [OnnxModel("policies/FlyBy.onnx")]
/// public partial class FlyByPolicy;
///
/// var policy = new FlyByPolicy();
/// policy.Forward(observations, actions);   // obs [k, ObsSize] → output [k, OutputSize]
/// </code>
/// </example>
/// <remarks>
/// The file reaches the generator as <c>[Sequential(Weights = ...)]</c>'s does: the package's build files hand it every
/// <c>.onnx</c> file of the project, named by its path from the project directory; in Unity, add its text form (see
/// docs/unity.md). Anything in the graph the generator cannot compile is one compile error at this attribute, naming the
/// node. The generated class is for inference.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OnnxModelAttribute : Attribute
{
    /// <summary>Generates the network the ONNX file at <paramref name="path"/> describes.</summary>
    /// <param name="path">The file's path from the project directory (or its item's <c>Link</c>), compared exactly, as <see cref="SequentialAttribute.Weights"/> is.</param>
    public OnnxModelAttribute(string path) => Path = path;

    /// <summary>The ONNX file's path from the project directory.</summary>
    public string Path { get; }

    /// <summary>
    /// The most samples one pass through the generated network computes: <c>Forward</c> takes any number, this many at a
    /// time, and the class holds buffers for this many. The default is <see cref="SequentialAttribute.DefaultMaxBatch"/>,
    /// or 1 when the graph's inputs fix their leading dimension at 1 (then a larger value is a compile error).
    /// </summary>
    public int MaxBatch { get; set; } = SequentialAttribute.DefaultMaxBatch;

    /// <summary>
    /// The graph outputs to compute, by their names in the file; only the nodes they need are generated. By default,
    /// every output that is neither a constant nor a copy of an input.
    /// </summary>
    public string[]? Outputs { get; set; }

    /// <summary>
    /// Computes the same bits on every machine, as <c>[Dense(Deterministic = true)]</c> does (DenseGen's own exp, log,
    /// tanh and sigmoid, one summation order). The project property <c>DenseGenDeterministic</c> does the same for every
    /// model and layer. See docs/determinism.md.
    /// </summary>
    public bool Deterministic { get; set; }
}

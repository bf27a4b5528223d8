using System.Collections.Generic;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Networks;

/// <summary>
/// The members <see cref="NetworkEmitter"/> adds to a network that a user member could collide with: every one it
/// writes except constructors (a parameterless one is DG0031), explicit interface implementations and the private
/// members named with <see cref="GeneratedMember.ReservedPrefix"/>. The parser reports a user member that collides with
/// one (DG0033); a test compiles networks of every shape and checks that this list is exactly what the emitter wrote.
/// </summary>
internal static class NetworkMembers
{
    /// <param name="element">The layers' element type.</param>
    /// <param name="trainable">Whether any layer trains (then the network has Backward and ZeroGradients).</param>
    /// <param name="baked">Whether the network names a weight file (then it has LoadBakedWeights).</param>
    /// <param name="sequences">Whether a layer is recurrent (then the network runs time steps: Step, Forward of steps, ResetState).</param>
    public static IReadOnlyList<GeneratedMember> For(ElementKind element, bool trainable, bool baked, bool sequences = false)
    {
        string t = element.Keyword();
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>", span = $"global::System.Span<{t}>";
        var members = new List<GeneratedMember>
        {
            GeneratedMember.Constant("InputSize"),
            GeneratedMember.Constant("OutputSize"),
            GeneratedMember.Constant("MaxBatch"),
            GeneratedMember.Constant("LayerCount"),
            GeneratedMember.Constant("ParameterCount"),
            GeneratedMember.Constant("ParameterBytes"),
            GeneratedMember.Constant("StorageBytes"),
            GeneratedMember.Method("Initialize", "ulong", "global::DenseGen.Initialization"),
            GeneratedMember.Property("Architecture"),
            GeneratedMember.Method("Save", "string"),
            GeneratedMember.Method("Load", "string", "bool"),
            GeneratedMember.Method("LoadOnnx", "string"),
            GeneratedMember.Method("LoadOnnx", "global::System.IO.Stream"),
            GeneratedMember.Method("LoadOnnx", "byte[]"),
        };
        if (sequences)
        {
            members.Add(GeneratedMember.Constant("MaxSteps"));
            members.Add(GeneratedMember.Method("Step", readOnlySpan, span));
            members.Add(GeneratedMember.Method("Forward", readOnlySpan, span, "int"));
            members.Add(GeneratedMember.Method("ResetState"));
        }
        else
        {
            members.Add(GeneratedMember.Method("Forward", readOnlySpan, span));
        }
        if (trainable)
        {
            members.Add(GeneratedMember.Method("Backward", readOnlySpan, readOnlySpan, span));
            members.Add(GeneratedMember.Method("ZeroGradients"));
        }
        else if (!sequences)
        {
            members.Add(GeneratedMember.Constant("ForwardScratchLength"));
            members.Add(GeneratedMember.Method("Forward", readOnlySpan, span, span));
        }
        if (baked)
            members.Add(GeneratedMember.Method("LoadBakedWeights"));
        return members;
    }
}

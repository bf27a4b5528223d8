using System.Collections.Generic;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>
/// The members <see cref="DenseEmitter"/> adds to a layer that a user member could collide with: every one it writes
/// except explicit interface implementations and the private members named with <see cref="GeneratedMember.ReservedPrefix"/>.
/// The parsers report a user member that collides with one (DG0033); a test compiles layers of every shape and
/// checks that this list is exactly what the emitter wrote, so the two cannot drift apart.
/// </summary>
internal static class DenseMembers
{
    public static IReadOnlyList<GeneratedMember> For(ElementKind element, bool activated, bool trainable)
    {
        string t = element.Keyword();
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>", span = $"global::System.Span<{t}>";
        var members = new List<GeneratedMember>
        {
            GeneratedMember.Constant("InputSize"),
            GeneratedMember.Constant("OutputSize"),
            GeneratedMember.Constant("ParameterCount"),
            GeneratedMember.Constant("ParameterBytes"),
            GeneratedMember.Constant("StorageBytes"),
            GeneratedMember.Property("Weights"),
            GeneratedMember.Property("Bias"),
            GeneratedMember.Method("Forward", readOnlySpan, span),
            activated
                ? GeneratedMember.Method("Backward", readOnlySpan, readOnlySpan, readOnlySpan, span)
                : GeneratedMember.Method("Backward", readOnlySpan, readOnlySpan, span),
        };
        if (activated)
            members.Add(GeneratedMember.Property("Activation"));
        if (trainable)
        {
            members.Add(GeneratedMember.Property("WeightGradients"));
            members.Add(GeneratedMember.Property("BiasGradients"));
            members.Add(GeneratedMember.Method("ZeroGradients"));
        }
        return members;
    }
}

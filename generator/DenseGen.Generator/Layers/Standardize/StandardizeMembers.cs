using System.Collections.Generic;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Standardize;

/// <summary>
/// The members <see cref="StandardizeEmitter"/> adds to a layer that a user member could collide with: every one it
/// writes except explicit interface implementations and the private members named with <see cref="GeneratedMember.ReservedPrefix"/>.
/// The parser reports a user member that collides with one (DG0033); GeneratedMembersTests compiles layers of every shape
/// and checks that this list is exactly what the emitter wrote.
/// </summary>
internal static class StandardizeMembers
{
    public static IReadOnlyList<GeneratedMember> For(ElementKind element)
    {
        string t = element.Keyword();
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>", span = $"global::System.Span<{t}>";
        return new List<GeneratedMember>
        {
            GeneratedMember.Constant("InputSize"),
            GeneratedMember.Constant("OutputSize"),
            GeneratedMember.Constant("Clip"),
            GeneratedMember.Constant("StorageBytes"),
            GeneratedMember.Property("Mean"),
            GeneratedMember.Property("Std"),
            GeneratedMember.Method("Forward", readOnlySpan, span),
            GeneratedMember.Method("Backward", readOnlySpan, readOnlySpan, span),
        };
    }
}

using System.Collections.Generic;
using DenseGen.Generator.Model;

namespace DenseGen.Generator.Layers.Recurrent;

/// <summary>
/// The members <see cref="RecurrentEmitter"/> adds to a layer that a user member could collide with: every one it writes
/// except explicit interface implementations and the private members named with <see cref="GeneratedMember.ReservedPrefix"/>.
/// The parser reports a user member that collides with one (DG0033).
/// </summary>
internal static class RecurrentMembers
{
    public static IReadOnlyList<GeneratedMember> For(RecurrentSpec spec)
    {
        string t = spec.ElementKeyword;
        string readOnlySpan = $"global::System.ReadOnlySpan<{t}>", span = $"global::System.Span<{t}>";
        var members = new List<GeneratedMember>
        {
            GeneratedMember.Constant("InputSize"),
            GeneratedMember.Constant("HiddenSize"),
            GeneratedMember.Constant("Layers"),
            GeneratedMember.Constant("MaxBatch"),
            GeneratedMember.Constant("ParameterCount"),
            GeneratedMember.Constant("StorageBytes"),
        };
        if (spec.Trainable)
            members.Add(GeneratedMember.Constant("MaxSteps"));
        foreach (TensorSpec tensor in spec.Contract.Tensors)
        {
            members.Add(GeneratedMember.Property(tensor.Property));
            if (tensor.Trained)
                members.Add(GeneratedMember.Property(tensor.GradientProperty!));
        }
        members.Add(GeneratedMember.Property("HiddenState"));
        if (spec.HasCell)
            members.Add(GeneratedMember.Property("CellState"));
        members.Add(GeneratedMember.Method("ResetState"));
        members.Add(GeneratedMember.Method("Step", readOnlySpan, span));
        members.Add(GeneratedMember.Method("Forward", readOnlySpan, span, "int"));
        if (spec.Trainable)
        {
            members.Add(GeneratedMember.Property("HiddenStateGradients"));
            if (spec.HasCell)
                members.Add(GeneratedMember.Property("CellStateGradients"));
            members.Add(GeneratedMember.Method("Backward", readOnlySpan, readOnlySpan, span));
            members.Add(GeneratedMember.Method("ZeroGradients"));
        }
        return members;
    }
}

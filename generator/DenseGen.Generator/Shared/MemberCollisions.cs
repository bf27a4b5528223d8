using System;
using System.Collections.Generic;
using System.Linq;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DenseGen.Generator.Shared;

/// <summary>
/// Finds the user's members that would collide with the members DenseGen generates into the same partial type (CS0102,
/// CS0111 in the generated file, where nobody looks): a member of the same name, except that a method collides with a
/// generated method only with the same parameter types, since other overloads are legal C#. A name starting with
/// <see cref="GeneratedMember.ReservedPrefix"/> collides with DenseGen's private members.
/// </summary>
internal static class MemberCollisions
{
    /// <summary>Each colliding member of <paramref name="type"/>, with the generated member it meets (null: a reserved name).</summary>
    public static List<(ISymbol Member, GeneratedMember? Generated)> Find(INamedTypeSymbol type, IReadOnlyList<GeneratedMember> generated)
    {
        var collisions = new List<(ISymbol, GeneratedMember?)>();
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !IsNamedMember(member))
                continue;
            if (member.Name.StartsWith(GeneratedMember.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                collisions.Add((member, null));
                continue;
            }
            GeneratedMember? match = generated.FirstOrDefault(g => g.Name == member.Name && Collides(member, g));
            if (match is not null)
                collisions.Add((member, match));
        }
        return collisions;
    }

    /// <summary>Reports DG0033 at each colliding member of <paramref name="type"/>, a "layer" or "network" (<paramref name="noun"/>).</summary>
    public static void Report(INamedTypeSymbol type, string noun, IReadOnlyList<GeneratedMember> generated, List<DiagnosticInfo> diagnostics)
    {
        foreach ((ISymbol member, GeneratedMember? with) in Find(type, generated))
        {
            string generatedMember = with is null
                ? $"the private members named '{GeneratedMember.ReservedPrefix}…'"
                : $"the {with.Kind} '{with.Display}'";
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.GeneratedMemberCollision, LocationInfo.From(member.Locations.FirstOrDefault()),
                Display(member), noun, type.Name, generatedMember));
        }
    }

    /// <summary>Members that take a name in the type's member scope: not constructors, operators, accessors, indexers or explicit implementations.</summary>
    private static bool IsNamedMember(ISymbol member) => member switch
    {
        IMethodSymbol method => method.MethodKind == MethodKind.Ordinary,
        IPropertySymbol property => !property.IsIndexer && property.ExplicitInterfaceImplementations.IsEmpty,
        IEventSymbol @event => @event.ExplicitInterfaceImplementations.IsEmpty,
        IFieldSymbol or INamedTypeSymbol => true,
        _ => false,
    };

    /// <summary>
    /// A method meets a generated method only with the same signature: no type parameters, and the same parameter
    /// types, each passed by value (C# overloads on ref, in and out). Any other member meets any generated one of its name.
    /// </summary>
    private static bool Collides(ISymbol member, GeneratedMember generated)
    {
        if (member is not IMethodSymbol method || !generated.IsMethod)
            return true;
        EquatableArray<string> parameters = generated.Parameters!.Value;
        return method.Arity == 0
            && method.Parameters.Length == parameters.Count
            && method.Parameters.Select((p, i) => p.RefKind == RefKind.None && TypeName(p.Type) == parameters[i]).All(same => same);
    }

    /// <summary>A type as the emitters write it, e.g. <c>global::System.ReadOnlySpan&lt;float&gt;</c> (no nullable annotations, which do not change a signature).</summary>
    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static string Display(ISymbol member) => member is IMethodSymbol method
        ? method.Name + "(" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat))) + ")"
        : member.Name;
}

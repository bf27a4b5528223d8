using System;
using System.CodeDom.Compiler;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Every member DenseGen generates carries <c>[GeneratedCode("DenseGen.Generator", version)]</c>, and every one that
/// can (all but fields) <c>[ExcludeFromCodeCoverage]</c>, as the BCL's generators mark theirs: tools that skip
/// generated code skip it, and a user's coverage report counts only the user's code. Checked by reflection over every
/// layer and network this test assembly declares (classes and structs, float and double, trainable and frozen, of every kind).
/// </summary>
public class GeneratedCodeAttributeTests
{
    private const BindingFlags Declared =
        BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    public static IEnumerable<object[]> GeneratedTypes() =>
        typeof(GeneratedCodeAttributeTests).Assembly.GetTypes()
            .Where(t => IsLayer(t) || t.GetCustomAttribute<SequentialAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(GeneratedTypes))]
    public void EveryGeneratedMemberIsMarked(Type type)
    {
        string version = typeof(DenseAttribute).Assembly.GetName().Version!.ToString();
        var unmarked = new List<string>();
        foreach (MemberInfo member in type.GetMembers(Declared))
        {
            if (IsWrittenByUserOrCompiler(type, member))
                continue;
            GeneratedCodeAttribute? generated = member.GetCustomAttribute<GeneratedCodeAttribute>();
            if (generated is null || generated.Tool != "DenseGen.Generator" || generated.Version != version)
                unmarked.Add($"{member.MemberType} {member.Name}: [GeneratedCode] is {(generated is null ? "missing" : $"({generated.Tool}, {generated.Version})")}");
            if (member is not FieldInfo && member.GetCustomAttribute<ExcludeFromCodeCoverageAttribute>() is null)
                unmarked.Add($"{member.MemberType} {member.Name}: [ExcludeFromCodeCoverage] is missing");
        }
        Assert.True(unmarked.Count == 0, $"{type.FullName}:\n" + string.Join("\n", unmarked));
        Assert.Contains(type.GetMembers(Declared), m => m.Name == "Forward");
    }

    private static bool IsWrittenByUserOrCompiler(Type type, MemberInfo member)
    {
        // Accessors belong to their property, which carries the attributes; the compiler adds constructors and
        // backing fields of its own.
        if (member is MethodInfo { IsSpecialName: true } || member is ConstructorInfo)
            return true;
        if (member.GetCustomAttribute<CompilerGeneratedAttribute>() is not null || member.Name.Contains('<'))
            return true;
        // A network's layer fields are the user's declaration.
        return type.GetCustomAttribute<SequentialAttribute>() is not null
            && member is FieldInfo field
            && IsLayer(field.FieldType);
    }

    private static bool IsLayer(Type type) =>
        type.GetCustomAttribute<DenseAttribute>() is not null || type.GetCustomAttribute<StandardizeAttribute>() is not null
        || type.GetCustomAttribute<LstmAttribute>() is not null || type.GetCustomAttribute<GruAttribute>() is not null;
}

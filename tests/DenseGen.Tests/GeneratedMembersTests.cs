using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using DenseGen.Generator;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Layers.Recurrent;
using DenseGen.Generator.Layers.Standardize;
using DenseGen.Generator.Model;
using DenseGen.Generator.Networks;
using DenseGen.Tests.Import;
using DenseGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using DenseGen.Generator.Shared;

namespace DenseGen.Tests;

/// <summary>
/// DG0033 compares the user's members with the lists <see cref="DenseMembers"/>, <see cref="StandardizeMembers"/> and
/// <see cref="NetworkMembers"/> keep next to the emitters. Here layers and networks of every shape are generated and
/// compiled, and the members the generated files declare (but constructors, explicit interface implementations and the
/// reserved '__dense' names) must be exactly the list for that shape, so a member added to an emitter and not to its
/// list fails here, not in a user's build.
/// </summary>
public class GeneratedMembersTests
{
    private const string Full = """
        using DenseGen;

        [Dense(In = 5, Out = 7, Activation = Activation.ReLU)] public partial class L0;
        [Dense(In = 7, Out = 4, Activation = Activation.Tanh)] public partial class L2;
        [Dense(In = 4, Out = 3)] public partial class L4;

        [Dense(In = 3, Out = 2)] public partial class Plain;
        [Dense(In = 3, Out = 2, ElementType = typeof(double), Activation = Activation.Tanh)] public partial struct PreciseTanh;
        [Dense(In = 3, Out = 2, Activation = Activation.ReLU, Trainable = false)] public partial class FrozenReLU;
        [Dense(In = 2, Out = 2, Trainable = false)] public partial struct FrozenValue;
        [Dense(In = 3, Out = 3, Activation = Activation.Sigmoid, Deterministic = true)] public partial class Lockstep;
        [Dense(In = 2, Out = 2, ElementType = typeof(double))] public partial struct PreciseOut;
        [Dense(In = 2, Out = 1)] public partial class Head;
        [Standardize(Size = 5, Clip = 5)] public partial class Norm;
        [Standardize(Size = 3, ElementType = typeof(double), Deterministic = true)] public partial struct NormValue;
        [Lstm(In = 2, Hidden = 3, Layers = 2, MaxSteps = 4)] public partial class Memory;
        [Lstm(In = 2, Hidden = 3, Trainable = false)] public partial class FrozenMemory;
        [Gru(In = 2, Hidden = 3, MaxBatch = 2, TrainInitialState = true, ElementType = typeof(double))] public partial struct LearnedStart;
        [Gru(In = 1, Hidden = 2, Trainable = false)] public partial struct FrozenGru;

        [Sequential(MaxBatch = 2)] public partial class Trained { public readonly L0 A = new(); public readonly L2 B = new(); public readonly L4 C = new(); }
        [Sequential] public partial struct Stacked { public PreciseTanh A; public PreciseOut B; }
        [Sequential(MaxBatch = 3)] public partial class Deployed { public readonly FrozenReLU A = new(); public FrozenValue B; }
        [Sequential] public partial class FineTuned { public readonly FrozenReLU A = new(); public readonly Head B = new(); }
        [Sequential] public partial class Normalized { public readonly Norm A = new(); public readonly L0 B = new(); }
        [Dense(In = 3, Out = 2)] public partial class MemoryIn;
        [Dense(In = 3, Out = 1, Trainable = false)] public partial class FrozenHead;
        [Dense(In = 3, Out = 2, ElementType = typeof(double))] public partial struct LearnedIn;
        [Sequential] public partial class Remembers { public readonly MemoryIn A = new(); public readonly Memory B = new(); public readonly Plain C = new(); }
        [Sequential(MaxSteps = 8)] public partial class Streams { public readonly FrozenMemory A = new(); public readonly FrozenHead B = new(); }
        [Sequential] public partial struct Started { public LearnedIn A; public LearnedStart B; }
        [Sequential(Weights = "mlp.safetensors")]
        public partial class Baked
        {
            [TensorName("0")] public readonly L0 First = new();
            [TensorName("2")] public readonly L2 Second = new();
            [TensorName("4")] public readonly L4 Third = new();
        }
        """;

    // The portable output (C# 9): class layers and networks only.
    private const string Portable = """
        using DenseGen;

        [Dense(In = 3, Out = 2)] public partial class Plain { }
        [Dense(In = 2, Out = 2, Activation = Activation.Tanh)] public partial class Squashed { }
        [Dense(In = 3, Out = 2, Activation = Activation.ReLU, Trainable = false)] public partial class FrozenReLU { }
        [Dense(In = 2, Out = 2, Trainable = false)] public partial class FrozenOut { }
        [Standardize(Size = 3, Clip = 2)] public partial class Norm { }
        [Lstm(In = 2, Hidden = 3, MaxSteps = 2)] public partial class Memory { }
        [Gru(In = 2, Hidden = 3, Trainable = false)] public partial class FrozenGru { }

        [Sequential(MaxBatch = 2)] public partial class Trained { public readonly Plain A = new Plain(); public readonly Squashed B = new Squashed(); }
        [Sequential] public partial class Deployed { public readonly FrozenReLU A = new FrozenReLU(); public readonly FrozenOut B = new FrozenOut(); }
        [Sequential] public partial class Remembers { public readonly Memory A = new Memory(); public readonly Plain B = new Plain(); }
        """;

    private static IReadOnlyList<GeneratedMember> Layer(ElementKind element, bool activated, bool trainable) => DenseMembers.For(element, activated, trainable);

    private static IReadOnlyList<GeneratedMember> Network(ElementKind element, bool trainable, bool baked = false, bool sequences = false) =>
        NetworkMembers.For(element, trainable, baked, sequences);

    [Fact]
    public void TheListsAreExactlyWhatTheFullOutputDeclares()
    {
        const ElementKind f = ElementKind.Float32, d = ElementKind.Float64;
        byte[] weights = File.ReadAllBytes(OnnxImportTests.Fixture("mlp.safetensors"));
        AssertMembers(Full, LanguageVersion.Latest, [new BakedWeightsTests.WeightsAdditionalText("/p/mlp.densegen-weights", "mlp.safetensors", weights)], new()
        {
            ["L0"] = Layer(f, activated: true, trainable: true),
            ["L4"] = Layer(f, activated: false, trainable: true),
            ["Plain"] = Layer(f, activated: false, trainable: true),
            ["Head"] = Layer(f, activated: false, trainable: true),
            ["PreciseOut"] = Layer(d, activated: false, trainable: true),
            ["PreciseTanh"] = Layer(d, activated: true, trainable: true),
            ["FrozenReLU"] = Layer(f, activated: true, trainable: false),
            ["FrozenValue"] = Layer(f, activated: false, trainable: false),
            ["Lockstep"] = Layer(f, activated: true, trainable: true),
            ["Trained"] = Network(f, trainable: true),
            ["Stacked"] = Network(d, trainable: true),
            ["Deployed"] = Network(f, trainable: false),
            ["FineTuned"] = Network(f, trainable: true),
            ["Baked"] = Network(f, trainable: true, baked: true),
            ["Norm"] = StandardizeMembers.For(f),
            ["NormValue"] = StandardizeMembers.For(d),
            ["Normalized"] = Network(f, trainable: true),
            ["Memory"] = Recurrent(RecurrentCell.Lstm, f, layers: 2, trainable: true),
            ["FrozenMemory"] = Recurrent(RecurrentCell.Lstm, f, layers: 1, trainable: false),
            ["LearnedStart"] = Recurrent(RecurrentCell.Gru, d, layers: 1, trainable: true, trainInitialState: true),
            ["FrozenGru"] = Recurrent(RecurrentCell.Gru, f, layers: 1, trainable: false),
            ["MemoryIn"] = Layer(f, activated: false, trainable: true),
            ["FrozenHead"] = Layer(f, activated: false, trainable: false),
            ["LearnedIn"] = Layer(d, activated: false, trainable: true),
            ["Remembers"] = Network(f, trainable: true, sequences: true),
            ["Streams"] = Network(f, trainable: false, sequences: true),
            ["Started"] = Network(d, trainable: true, sequences: true),
        });
    }

    [Fact]
    public void TheListsAreExactlyWhatThePortableOutputDeclares()
    {
        const ElementKind f = ElementKind.Float32;
        AssertMembers(Portable, LanguageVersion.CSharp9, [], new()
        {
            ["Plain"] = Layer(f, activated: false, trainable: true),
            ["Squashed"] = Layer(f, activated: true, trainable: true),
            ["FrozenReLU"] = Layer(f, activated: true, trainable: false),
            ["FrozenOut"] = Layer(f, activated: false, trainable: false),
            ["Norm"] = StandardizeMembers.For(f),
            ["Trained"] = Network(f, trainable: true),
            ["Deployed"] = Network(f, trainable: false),
            ["Memory"] = Recurrent(RecurrentCell.Lstm, f, layers: 1, trainable: true),
            ["FrozenGru"] = Recurrent(RecurrentCell.Gru, f, layers: 1, trainable: false),
            ["Remembers"] = Network(f, trainable: true, sequences: true),
        });
    }

    // The list depends on the cell, the element type, the layers and the training options, not on the sizes.
    private static IReadOnlyList<GeneratedMember> Recurrent(RecurrentCell cell, ElementKind element, int layers, bool trainable, bool trainInitialState = false) =>
        RecurrentMembers.For(new RecurrentSpec(null, EquatableArray<ContainingType>.Empty, "T", false, element, cell, 1, 1, layers, 1, trainable, 1, trainInitialState));

    private static void AssertMembers(string source, LanguageVersion version, AdditionalText[] files, Dictionary<string, IReadOnlyList<GeneratedMember>> expected)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([source], version);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions: (CSharpParseOptions)compilation.SyntaxTrees.First().Options)
            .AddAdditionalTexts([.. files])
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error));
        var generatedTrees = result.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();

        foreach ((string typeName, IReadOnlyList<GeneratedMember> list) in expected)
        {
            INamedTypeSymbol type = output.GetTypeByMetadataName(typeName) ?? throw new InvalidOperationException(typeName + " not found");
            var declared = new List<string>();
            foreach (ISymbol member in type.GetMembers())
            {
                if (member.IsImplicitlyDeclared || !member.DeclaringSyntaxReferences.Any(r => generatedTrees.Contains(r.SyntaxTree)))
                    continue;
                if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }
                    || member is IPropertySymbol { ExplicitInterfaceImplementations.IsEmpty: false }
                    || member is IEventSymbol { ExplicitInterfaceImplementations.IsEmpty: false })
                {
                    continue;
                }
                if (member.Name.StartsWith(GeneratedMember.ReservedPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    Assert.True(member.DeclaredAccessibility == Accessibility.Private, $"{typeName}.{member.Name} has a reserved name but is not private");
                    continue;
                }
                declared.Add(member switch
                {
                    IFieldSymbol { IsConst: true } => Describe(GeneratedMember.Constant(member.Name)),
                    IPropertySymbol => Describe(GeneratedMember.Property(member.Name)),
                    IMethodSymbol method => Describe(GeneratedMember.Method(member.Name, [.. method.Parameters.Select(p => MemberCollisions.TypeName(p.Type))])),
                    _ => $"{member.Kind} {member.Name}",
                });
            }
            Assert.Equal(list.Select(Describe).Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        }
    }

    private static string Describe(GeneratedMember member) =>
        member.Kind + " " + member.Name + (member.Parameters is { } parameters ? "(" + string.Join(", ", parameters) + ")" : "");
}

using System.Linq;
using System.Text.RegularExpressions;

namespace DenseGen.Generator.Model;

/// <summary>
/// A member the generator adds to the user's partial type, as the parser compares it with the user's own members: its
/// name, what it is, and for a method its parameter types (as <c>SymbolDisplayFormat.FullyQualifiedFormat</c> writes
/// them, which is also how the emitters write them). Listed per pipeline next to its emitter (DenseMembers,
/// NetworkMembers); a test compares each list with the members the emitter really writes.
/// </summary>
/// <param name="Name">The member's name.</param>
/// <param name="Kind">"constant", "property" or "method", for the message.</param>
/// <param name="Parameters">A method's parameter types; null for any other member.</param>
internal sealed record GeneratedMember(string Name, string Kind, EquatableArray<string>? Parameters = null)
{
    /// <summary>
    /// The prefix of every private member and nested type the emitters write (fields, kernels, storage types). A user
    /// member whose name starts with it, in any case, is reported as colliding: those names are DenseGen's.
    /// </summary>
    public const string ReservedPrefix = "__dense";

    public static GeneratedMember Constant(string name) => new(name, "constant");

    public static GeneratedMember Property(string name) => new(name, "property");

    public static GeneratedMember Method(string name, params string[] parameters) => new(name, "method", parameters.ToEquatableArray());

    public bool IsMethod => Parameters is not null;

    /// <summary>The member as a message shows it: the name, and a method's parameter types without namespaces.</summary>
    public string Display => Parameters is { } parameters
        ? Name + "(" + string.Join(", ", parameters.Select(Unqualified)) + ")"
        : Name;

    /// <summary><c>global::System.ReadOnlySpan&lt;float&gt;</c> → <c>ReadOnlySpan&lt;float&gt;</c>.</summary>
    public static string Unqualified(string type) => Regex.Replace(type, @"global::(\w+\.)*", "");
}

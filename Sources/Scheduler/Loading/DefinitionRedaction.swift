import Yams

/// A pipeline's YAML for readers who may not see its secrets: every value under a task's `with.env` is replaced by
/// `"***"`. The text is rebuilt from the parsed document (comments go); anything that cannot be parsed is withheld
/// whole rather than shown unmasked.
public enum DefinitionRedaction {
    public static let mask = "***"

    public static func maskingEnvironment(_ text: String) -> String {
        guard let root = try? Yams.compose(yaml: text) else { return "# the definition could not be masked, so it is withheld\n" }
        guard case .mapping(var top) = root, case .sequence(var tasks)? = top["tasks"] else { return text }
        for index in tasks.indices {
            guard case .mapping(var task) = tasks[index], case .mapping(var with)? = task["with"],
                case .mapping(var environment)? = with["env"]
            else { continue }
            for key in environment.keys {
                if let name = key.string { environment[name] = Node(mask) }
            }
            with["env"] = .mapping(environment)
            task["with"] = .mapping(with)
            tasks[index] = .mapping(task)
        }
        top["tasks"] = .sequence(tasks)
        return (try? Yams.serialize(node: .mapping(top))) ?? "# the definition could not be masked, so it is withheld\n"
    }
}

/// The three roles of the SPEC's role table.
public enum UserRole: String, APIEnum, Documented {
    case salesperson = "SALESPERSON"
    case secretariat = "SECRETARIAT"
    case admin = "ADMIN"
}
